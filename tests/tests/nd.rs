//! `simkern::nd` (feature `ndarray`): every function against the flat API
//! on the same values, for views in standard layout and for views that are
//! not (transposes, stepped and column slices, negative strides), every
//! storage type of the matrix functions; shapes that cannot be right.

use ndarray::{Array2, ArrayView2, Axis, s};
use simkern::half::{bf16, f16};
use simkern::{Error, InfoNce, Metric, Ties, nd};
use simkern_tests::data::{Dist, Rng, vec_f32};

/// An `n × d` array of normal values.
fn array(r: &mut Rng, n: usize, d: usize) -> Array2<f32> {
    Array2::from_shape_vec((n, d), vec_f32(r, Dist::Normal, n * d)).unwrap()
}

/// The same values as `a` behind views of other layouts: the transpose of
/// a transposed copy, every other row of a doubled array, the columns of
/// a wider array, rows reversed twice (negative strides).
fn layouts<T: Clone + Default>(a: &Array2<T>) -> Vec<Array2<T>> {
    let (n, d) = a.dim();
    let transposed = a.t().to_owned();
    let mut doubled = Array2::default((2 * n, d));
    doubled.slice_mut(s![..;2, ..]).assign(a);
    let mut wider = Array2::default((n, d + 3));
    wider.slice_mut(s![.., 1..=d]).assign(a);
    let mut reversed = a.clone();
    reversed.invert_axis(Axis(0));
    vec![transposed, doubled, wider, reversed]
}

/// Views of `layouts(a)`, each showing `a`'s values.
fn views<'a, T>(a: &'a Array2<T>, all: &'a [Array2<T>]) -> Vec<ArrayView2<'a, T>> {
    let d = a.ncols();
    let mut rev = all[3].view();
    rev.invert_axis(Axis(0));
    vec![a.view(), all[0].t(), all[1].slice(s![..;2, ..]), all[2].slice(s![.., 1..=d]), rev]
}

#[test]
fn similarity_matrix_of_every_layout_and_type() {
    let mut r = Rng::new(20);
    let (q, k) = (array(&mut r, 5, 7), array(&mut r, 9, 7));
    let (ql, kl) = (layouts(&q), layouts(&k));
    let want = simkern::similarity_matrix(q.as_slice().unwrap(), k.as_slice().unwrap(), 7).unwrap();
    for (qv, kv) in views(&q, &ql).into_iter().zip(views(&k, &kl)) {
        assert_eq!(qv, q.view());
        let s = nd::similarity_matrix(qv, kv).unwrap();
        assert_eq!(s.dim(), (5, 9));
        assert_eq!(s.as_slice().unwrap(), &want[..]);
    }
    let (qb, kb) = (q.mapv(bf16::from_f32), k.mapv(bf16::from_f32));
    let want = simkern::similarity_matrix(qb.as_slice().unwrap(), kb.as_slice().unwrap(), 7).unwrap();
    assert_eq!(
        nd::similarity_matrix(qb.t().to_owned().t(), kb.view()).unwrap().into_raw_vec_and_offset().0,
        want
    );
    let (qh, kh) = (q.mapv(f16::from_f32), k.mapv(f16::from_f32));
    let want = simkern::similarity_matrix(qh.as_slice().unwrap(), kh.as_slice().unwrap(), 7).unwrap();
    assert_eq!(nd::similarity_matrix(qh.view(), kh.view()).unwrap().into_raw_vec_and_offset().0, want);
    let (qi, ki) = (q.mapv(|v| (v * 30.0) as i8), k.mapv(|v| (v * 30.0) as i8));
    let s = nd::similarity_matrix(qi.view(), ki.view()).unwrap();
    for ((i, j), &v) in s.indexed_iter() {
        let exact: i32 = qi.row(i).iter().zip(ki.row(j)).map(|(&a, &b)| i32::from(a) * i32::from(b)).sum();
        assert_eq!(v, exact);
    }
    // Shapes: rows of different lengths (both named), zero columns, no rows.
    let err = nd::similarity_matrix(q.view(), array(&mut r, 2, 6).view()).unwrap_err();
    assert_eq!(err, Error::DimMismatch { left: "q", left_dim: 7, right: "k", right_dim: 6 });
    let empty = Array2::<f32>::zeros((3, 0));
    assert_eq!(nd::similarity_matrix(empty.view(), empty.view()), Err(Error::ZeroDimension));
    let none = Array2::<f32>::zeros((0, 7));
    assert_eq!(nd::similarity_matrix(none.view(), k.view()).unwrap().dim(), (0, 9));
}

#[test]
fn search_of_every_layout() {
    let mut r = Rng::new(21);
    let (q, keys) = (array(&mut r, 6, 16), array(&mut r, 300, 16));
    let (ql, kl) = (layouts(&q), layouts(&keys));
    for metric in [Metric::Dot, Metric::Cosine, Metric::L2] {
        let want = simkern::top_k(q.as_slice().unwrap(), keys.as_slice().unwrap(), 16, 5, metric).unwrap();
        for (qv, kv) in views(&q, &ql).into_iter().zip(views(&keys, &kl)) {
            let hits = nd::top_k(qv, kv, 5, metric).unwrap();
            assert_eq!(hits.indices.dim(), (6, 5));
            assert_eq!(hits.indices.as_slice().unwrap(), &want.indices[..]);
            assert_eq!(hits.scores.as_slice().unwrap(), &want.scores[..]);
            let index = nd::key_index(kv, metric).unwrap();
            assert_eq!(nd::search(&index, qv, 5).unwrap(), hits);
        }
    }
    // k beyond the keys: min(k, n_keys) columns; k = 0: none.
    assert_eq!(nd::top_k(q.view(), keys.slice(s![..3, ..]), 10, Metric::Dot).unwrap().indices.dim(), (6, 3));
    assert_eq!(nd::top_k(q.view(), keys.view(), 0, Metric::Dot).unwrap().scores.dim(), (6, 0));
    let err = nd::top_k(q.view(), keys.slice(s![.., ..8]), 1, Metric::Dot).unwrap_err();
    assert_eq!(err, Error::DimMismatch { left: "queries", left_dim: 16, right: "keys", right_dim: 8 });
    let index = nd::key_index(keys.view(), Metric::Dot).unwrap();
    assert!(nd::search(&index, keys.slice(s![.., ..8]), 1).is_err());
}

#[test]
fn infonce_and_diagnostics_of_every_layout() {
    let mut r = Rng::new(22);
    let (q, k) = (array(&mut r, 8, 12), array(&mut r, 8, 12));
    let (ql, kl) = (layouts(&q), layouts(&k));
    let (qs, ks) = (q.as_slice().unwrap(), k.as_slice().unwrap());
    let loss = InfoNce::new(0.1).unwrap().normalize(true);
    let want = loss.loss_and_grad(qs, ks, 12).unwrap();
    for (qv, kv) in views(&q, &ql).into_iter().zip(views(&k, &kl)) {
        assert_eq!(nd::infonce_loss(&loss, qv, kv).unwrap(), want.loss);
        let g = nd::infonce_loss_and_grad(&loss, qv, kv).unwrap();
        assert_eq!((g.loss, g.dq.dim(), g.dk.dim()), (want.loss, (8, 12), (8, 12)));
        assert_eq!(g.dq.as_slice().unwrap(), &want.dq[..]);
        assert_eq!(g.dk.as_slice().unwrap(), &want.dk[..]);
        assert_eq!(nd::alignment(qv, kv, 2.0).unwrap(), simkern::alignment(qs, ks, 12, 2.0).unwrap());
        assert_eq!(nd::uniformity(qv, 2.0).unwrap(), simkern::uniformity(qs, 12, 2.0).unwrap());
        assert_eq!(nd::anisotropy(qv).unwrap(), simkern::anisotropy(qs, 12).unwrap());
        assert_eq!(nd::mean_cosine(qv).unwrap(), simkern::mean_cosine(qs, 12).unwrap());
    }
    assert!(nd::infonce_loss(&loss, q.view(), k.slice(s![.., ..11])).is_err());
    assert!(nd::alignment(q.view(), k.slice(s![..7, ..]), 2.0).is_err());
    assert!(nd::uniformity(q.slice(s![..1, ..]), 2.0).is_err());
}

#[test]
fn ranks_and_correlations_over_columns() {
    let mut r = Rng::new(23);
    let x = array(&mut r, 40, 4);
    let gold: Vec<u8> = (0..40).map(|i| (i * 7 % 11) as u8).collect();
    let gold = ndarray::Array1::from(gold);
    for c in 0..4 {
        let col: Vec<f32> = x.column(c).to_vec();
        assert_eq!(
            nd::rank(x.column(c), Ties::Average).unwrap().to_vec(),
            simkern::rank(&col, Ties::Average).unwrap()
        );
        let g = gold.as_slice().unwrap();
        assert_eq!(nd::spearman(gold.view(), x.column(c)).unwrap(), simkern::spearman(g, &col).unwrap());
        assert_eq!(nd::pearson(x.column(c), gold.view()).unwrap(), simkern::pearson(&col, g).unwrap());
        assert_eq!(
            nd::kendall_tau_b(x.column(c), gold.view()).unwrap(),
            simkern::kendall_tau_b(&col, g).unwrap()
        );
    }
    let flat = x.as_slice().unwrap();
    for (xv, all) in
        [(x.view(), None), (x.t().to_owned().t().to_owned().view(), None), (x.view(), Some(layouts(&x)))]
    {
        let p = nd::pearson_matrix(xv).unwrap();
        assert_eq!(p.as_slice().unwrap(), &simkern::pearson_matrix(flat, 4).unwrap()[..]);
        if let Some(all) = all {
            for v in views(&x, &all) {
                assert_eq!(
                    nd::spearman_matrix(v).unwrap().as_slice().unwrap(),
                    &simkern::spearman_matrix(flat, 4).unwrap()[..]
                );
            }
        }
    }
    assert!(nd::pearson(x.column(0), gold.slice(s![..39])).is_err());
    assert!(nd::pearson_matrix(Array2::<f32>::zeros((5, 0)).view()).is_err());
}
