"""Deliberately injected bugs, one or more per kernel family: each is
applied to the source, the suites that should catch it are run, and the
source is restored. Every line of the output must say the suite failed.

Run from anywhere:  python3 tests/inject_bugs.py [INDEX ...]
(not part of CI: each case rebuilds the test binaries, ~30 s apiece;
`python3 tests/inject_bugs.py --check` only checks that every bug still
applies to today's source, in a second, and is part of CI).
"""
import pathlib
import re
import subprocess
import sys

os_cwd = str(pathlib.Path(__file__).resolve().parent.parent)
cases=[
 ("logsumexp: a long row keeps only its last block's state", "core/src/lse.rs",
  "            state.merge(block_state(s, block, self.scale));",
  "            state = block_state(s, block, self.scale);",
  ["lse"]),
 ("rank (rayon): par_rank's bucket sort skips its lowest digit", "std-ext/src/par_rank.rs",
  "            if h.contains(&m) {",
  "            if h.contains(&m) || p == 0 {",
  ["stats"]),
 ("rank (rayon): par_rank's ordinal ties count from 0", "std-ext/src/par_rank.rs",
  "                let r = shared.unwrap_or((start + pos + 1) as f64);",
  "                let r = shared.unwrap_or((start + pos) as f64);",
  ["stats"]),
 ("rank (rayon): par_rank's parts start inside a run of equal keys", "std-ext/src/par_rank.rs",
  "        while at < n && key(at) == key(at - 1) {",
  "        while at < n && key(at) == key(at - 1) && false {",
  ["stats"]),
 ("rank (rayon): par_rank's scatter puts part 1 before part 0 within a bucket", "std-ext/src/par_rank.rs",
  "        for (s, h) in starts.iter_mut().zip(&counts) {",
  "        for (s, h) in starts.iter_mut().zip(&counts).rev() {",
  ["stats"]),
 ("storage (AMX): the bf16 tiles store C10 over C01 (rows 16-31 of a block written at columns 16-31)", "core/src/simd/x86_64/amx.rs",
  '                "tilestored [{t} + {ld}*1], tmm2",',
  '                "tilestored [{o} + {ld}*1 + 64], tmm2",',
  ["storage"]),
 ("storage (AMX): the key tiles' pairs packed one column off", "core/src/similarity/bf16_matrix.rs",
  "    step * GROUP_STEP + (j / 16) * TILE_SLOTS + t * 16 + j % 16",
  "    step * GROUP_STEP + (j / 16) * TILE_SLOTS + t * 16 + (j + 1) % 16",
  ["storage"]),
 ("storage: the bf16 matrix's widened blocks stop after the first key block", "core/src/similarity/bf16_matrix.rs",
  "        for j0 in (0..m).step_by(WIDEN_ROWS) {",
  "        for j0 in (0..m).step_by(WIDEN_ROWS).take(1) {",
  ["storage"]),
 ("storage: the bf16 tile groups' edge blocks copy one row short", "core/src/similarity/bf16_matrix.rs",
  "                for (r, src) in temp.chunks_exact(GROUP).take(rows).enumerate() {",
  "                for (r, src) in temp.chunks_exact(GROUP).take(rows - 1).enumerate() {",
  ["storage"]),
 ("storage (AVX-512 BF16/VNNI): the i8 dot forgets to take the bias 128·b off", "core/src/simd/x86_64/avx512.rs",
  "            _mm512_sub_epi32(biased, _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, y))",
  "            _mm512_sub_epi32(biased, _mm512_dpbusd_epi32(_mm512_setzero_si512(), bias, x))",
  ["storage"]),
 ("storage (AVX-512 BF16/VNNI): vdpbf16ps multiplies a by itself", "core/src/simd/x86_64/avx512.rs",
  "            _mm512_dpbf16_ps(acc, x, y)",
  "            _mm512_dpbf16_ps(acc, x, x)",
  ["storage"]),
 ("storage (AVX-512): bf16 widening takes the high unpack for both halves", "core/src/simd/x86_64/avx512.rs",
  "            _mm512_castsi512_ps(_mm512_unpacklo_epi16(zero, v)),",
  "            _mm512_castsi512_ps(_mm512_unpackhi_epi16(zero, v)),",
  ["storage"]),
 ("storage (AVX2): f16 widening reads the first half twice", "core/src/simd/x86_64/avx2.rs",
  "[_mm256_cvtph_ps(_mm_loadu_si128(p)), _mm256_cvtph_ps(_mm_loadu_si128(p.add(1)))]",
  "[_mm256_cvtph_ps(_mm_loadu_si128(p)), _mm256_cvtph_ps(_mm_loadu_si128(p))]",
  ["storage"]),
 ("storage: the fast tier's f16 tail reads the first stream twice", "core/src/simd/driver.rs",
  "    step_partial: step_two(s, r, acc, s.load_partial_f16_f32(a), s.load_partial_f16_f32(b)),",
  "    step_partial: step_two(s, r, acc, s.load_partial_f16_f32(a), s.load_partial_f16_f32(a)),",
  ["storage"]),
 ("search: the chunk bounds keep NaN lanes (a NaN hides the values before it on some ISAs)", "core/src/search.rs",
  "            acc = pick(acc, keep_numbers(v));",
  "            acc = pick(acc, v);",
  ["search"]),
 ("search: the L2 selection skips the chunks whose nearest key beats the bar", "std-ext/src/search.rs",
  "                        if bar.is_some_and(|b| if larger { bound < b } else { bound > b }) {",
  "                        if bar.is_some_and(|b| if larger { bound < b } else { bound < b }) {",
  ["search"]),
 ("search: the parallel merge keeps the worst k of the parts' best", "std-ext/src/search.rs",
  "            merged.sort_unstable_by(|a, b| b.cmp(a));",
  "            merged.sort_unstable_by(|a, b| a.cmp(b));",
  ["search"]),
 ("search: packed keys reopened one row short (the last key's panel read as the next block's)", "core/src/search.rs",
  "        Ok(PackedKeys { packed: PackedB::from_packed(buf, layout.dim, layout.rows, layout.blocking), layout })",
  "        Ok(PackedKeys { packed: PackedB::from_packed(buf, layout.dim, layout.rows.saturating_sub(1), layout.blocking), layout })",
  ["search"]),
 ("storage: the i8 similarity matrix takes rows of 2^11 through the f32 engine (odd sums past 2^24 round)", "std-ext/src/storage.rs",
  "const I8_EXACT_IN_F32: usize = 1 << 10;",
  "const I8_EXACT_IN_F32: usize = 1 << 11;",
  ["storage"]),
 ("storage: the i8 lanes go into i64 only every 2^14 steps (a lane of squared differences overflows i32)", "core/src/simd/driver.rs",
  "const I8_BLOCK_STEPS: usize = 1 << 10;",
  "const I8_BLOCK_STEPS: usize = 1 << 14;",
  ["storage"]),
 ("storage (AVX-512): i8 squared differences taken of the sums, not the differences", "core/src/simd/x86_64/avx512.rs",
  "let (d0, d1) = (_mm512_sub_epi16(a0, b0), _mm512_sub_epi16(a1, b1));",
  "let (d0, d1) = (_mm512_add_epi16(a0, b0), _mm512_sub_epi16(a1, b1));",
  ["storage"]),
 ("reductions: the wide merge drops the last accumulator (and any NaN in it)", "core/src/simd/driver.rs",
  "            acc[u] = merge(s, acc[u], acc[u + width]);",
  "            if u + width != U - 1 {\n                acc[u] = merge(s, acc[u], acc[u + width]);\n            }",
  ["similarity","special_values"]),
 ("GEMM: a partial register tile stores one column too few", "core/src/gemm.rs",
  "            let Some(dst) = row.get_mut(c0..cols.min(c0 + l)) else { break };",
  "            let Some(dst) = row.get_mut(c0..cols.min(c0 + l) - usize::from(cols < c0 + l)) else { break };",
  ["similarity","special_values"]),
 ("GEMM: the 4 × 4 packing transpose swaps two rows", "core/src/gemm.rs",
  "                            o.copy_from_slice(&[t[0][kk], t[1][kk], t[2][kk], t[3][kk]]);",
  "                            o.copy_from_slice(&[t[1][kk], t[0][kk], t[2][kk], t[3][kk]]);",
  ["similarity","infonce"]),
 ("GEMM: a second k-block overwrites the first instead of adding to it (caught at tiny blockings below d = 768)", "core/src/gemm.rs",
  "            let accum = if pc > 0 { Accum::Add } else { accum };",
  "            let accum = if pc > 0 && k > 4000 { Accum::Add } else { accum };",
  ["similarity","diagnostics"]),
 ("lse: a one-element tail is skipped", "core/src/lse.rs",
  "    if !tail.is_empty() {",
  "    if tail.len() > 1 {",
  ["lse","special_values"]),
 ("InfoNCE: the positive's gradient entry has the wrong sign", "core/src/infonce.rs",
  "                            (f64::from(scale) * expm1_below(f64::from(v_pos), st.max, log1p_rest)) as f32;",
  "                            -(f64::from(scale) * expm1_below(f64::from(v_pos), st.max, log1p_rest)) as f32;",
  ["infonce"]),
 ("InfoNCE on several workers: every worker's rows of dK are computed from the first columns of G", "core/src/infonce.rs",
  "        let a = g.t().rows_range(part.j0, part.j0 + part.units());",
  "        let a = g.t().rows_range(0, part.units());",
  ["infonce_parallel"]),
 ("InfoNCE (symmetric) on several workers: the second worker folds its columns' logits from column 0", "core/src/infonce.rs",
  "        let b = ColumnStates { j0: self.j0 + at, max: max_b, hi: hi_b, lo: lo_b };",
  "        let b = ColumnStates { j0: self.j0, max: max_b, hi: hi_b, lo: lo_b };",
  ["infonce_parallel"]),
 ("similarity matrix on several workers: the second worker multiplies the first rows of Q", "core/src/similarity.rs",
  "        let (q, q_b) = (self.q.rows_range(0, at), self.q.rows_range(at, self.q.rows()));",
  "        let (q, q_b) = (self.q.rows_range(0, at), self.q.rows_range(0, self.q.rows() - at));",
  ["infonce_parallel"]),
 ("InfoNCE (symmetric): the column softmax drops out of the fused gradient sweep", "core/src/infonce.rs",
  "            exp_f32_nonpositive(s, s.sub_f32(v, col_shift)),\n        )",
  "            s.mul_f32(col_shift, s.splat_f32(0.0)),\n        )",
  ["infonce"]),
 ("InfoNCE (symmetric): a column state's new maximum is counted twice", "core/src/infonce.rs",
  "((at_max - 1.0) + below) + (1.0 + rest)",
  "(at_max + below) + (1.0 + rest)",
  ["infonce"]),
 ("InfoNCE (symmetric): a column state adds its rest to the count at the maximum before taking the 1 off (a rest below 2^-53 rounds away)", "core/src/infonce.rs",
  "((at_max - 1.0) + below) + (1.0 + rest)",
  "((at_max + below) - 1.0) + (1.0 + rest)",
  ["infonce"]),
 ("diagnostics: the f64 axpy skips its tail (anisotropy)", "core/src/diagnostics.rs",
  "    zip_map_in_place(s, &mut Axpy(s.splat_f64(a)), acc, h);",
  "    let whole = acc.len() - acc.len() % S::F64_LANES;\n    zip_map_in_place(s, &mut Axpy(s.splat_f64(a)), &mut acc[..whole], &h[..whole]);",
  ["diagnostics"]),
 ("anisotropy: Lanczos restarts from nothing instead of the Ritz vector", "core/src/diagnostics.rs",
  "            x.iter_mut().zip(q).for_each(|(x, &q)| *x += c * q);",
  "            x.iter_mut().zip(q).for_each(|(x, &q)| *x += 0.0 * c * q);",
  ["diagnostics"]),
 ("rank: average ties half a rank low", "core/src/rank/mod.rs",
  "            Ties::Average => Some((start + 1 + end) as f64 / 2.0),",
  "            Ties::Average => Some((start + end) as f64 / 2.0),",
  ["stats"]),
 ("Kendall: the joint-tie correction n3 dropped", "core/src/correlation.rs",
  "i128::from(n2) + i128::from(n3) - 2 * i128::from(self.discordant))",
  "i128::from(n2) + 0 * i128::from(n3) - 2 * i128::from(self.discordant))",
  ["stats", "significance"]),
 ("Kendall: the inversion count's largest digit sees none of the earlier values", "core/src/rank/inversions.rs",
  "    if d + 1 == BUCKETS { inserted } else { sum }",
  "    sum",
  ["stats"]),
 ("Kendall: the inversion count's scatter puts a bucket's values one slot late", "core/src/rank/inversions.rs",
  "        dst[(*slot as usize).min(last)] = x;",
  "        dst[(*slot as usize + 1).min(last)] = x;",
  ["stats", "significance"]),
 ("Pearson: the one pass about the head's means drops its correction", "core/src/correlation.rs",
  "        [dxy - dx * dy / n, dxx - cx, dyy - cy]",
  "        [dxy, dxx, dyy]",
  ["stats"]),
 ("binomial: a short tail sum stops one term early", "core/src/binomial.rs",
  "    while j > lo {",
  "    while j > lo + 1 {",
  ["binomial"]),
 ("incomplete beta: Temme's series drops its odd terms", "core/src/special/beta.rs",
  "        sum += t0 + t1;",
  "        sum += t0 + 0.0 * t1;",
  ["binomial"]),
 ("incomplete beta: the continued fraction's denominators use 1 − y", "core/src/special/beta.rs",
  "        let beta = n + w / s + (t + 1.0) / (c1 + t + t) * (c + n * (1.0 + y));",
  "        let beta = n + w / s + (t + 1.0) / (c1 + t + t) * (c + n * (1.0 - y));",
  ["binomial", "significance"]),
 ("Kendall's exact test: a one-sided p-value not halved", "core/src/significance.rs",
  "                prob / 2.0\n",
  "                prob\n",
  ["significance"]),
 ("Pearson's test: the tails of the beta law swapped", "core/src/significance.rs",
  "        Alternative::Less => tails.lower(),",
  "        Alternative::Less => tails.upper(),",
  ["significance"]),
 ("anisotropy: NaN rows give finite statistics again", "core/src/diagnostics.rs",
  "        if !gram_sum.is_finite() {",
  "        if gram_sum.is_nan() && false {",
  ["special_values"]),
 ("lse: NaN/∞ flagged only in the tail (the main loop's flag ignored)", "core/src/lse.rs",
  "    if f.is_nan() || tail.iter().any(|t| !(t * scale).is_finite()) {",
  "    if f.is_nan() && false || tail.iter().any(|t| !(t * scale).is_finite()) {",
  ["lse","special_values"]),
 ("cosine: a NaN sum taken for a zero vector", "core/src/similarity.rs",
  "    if aa == 0.0 || bb == 0.0 { 0.0 } else { ratio(ab, aa, bb) }",
  "    if !(aa > 0.0) || !(bb > 0.0) { 0.0 } else { ratio(ab, aa, bb) }",
  ["similarity","special_values"]),
 ("fast tier: a block's chains merged without the last one", "core/src/simd/driver.rs",
  "            acc[u] = merge_f32(s, acc[u], acc[u + width]);",
  "            if u + width != U - 1 {\n                acc[u] = merge_f32(s, acc[u], acc[u + width]);\n            }",
  ["similarity"]),
 ("moments: the variance divides by n − 1 (sample, not population)", "core/src/moments.rs",
  "        MeanVariance { mean, variance: ss / n }",
  "        MeanVariance { mean, variance: ss / (n - 1.0) }",
  ["init"]),
]
only = [a for a in sys.argv[1:] if a != "--check"]
if "--check" in sys.argv:
    stale = [name for (name,f,old,_,_) in cases if open(f'{os_cwd}/{f}').read().count(old) != 1]
    for name in stale: print("no longer applies:", name)
    print(f"{len(cases) - len(stale)} of {len(cases)} injected bugs apply to the source")
    sys.exit(1 if stale else 0)
for i,(name,f,old,new,tests) in enumerate(cases):
    if only and str(i) not in only: continue
    # proptest records each failure it finds; an injected bug's must not stay.
    regress = {q: q.read_text() for q in pathlib.Path(os_cwd, "tests/tests").glob("*.proptest-regressions")}
    s=open(f'{os_cwd}/{f}').read()
    assert s.count(old)==1,(name,s.count(old))
    open(f'{os_cwd}/{f}','w').write(s.replace(old,new))
    try:
        args=['cargo','test','--release','-q','--no-fail-fast','-p','simkern-tests']
        for t in tests: args+=['--test',t]
        r=subprocess.run(args,cwd=os_cwd,capture_output=True,text=True)
        out=r.stdout+r.stderr
        fails=re.findall(r"^test (\S+) \.\.\. FAILED",out,re.M)
        fails=sorted(set(re.findall(r"---- (\S+) stdout ----",out)))
        first=re.search(r"panicked at ([^\n]+)\n([^\n]+)",out)
        verdict = "caught" if r.returncode != 0 and fails else "NOT CAUGHT"
        print(f"[{i}] {name}: {verdict}; failing tests: {', '.join(fails) or 'none'}")
        if first: print(f"     first failure: {first.group(1)}: {first.group(2)[:200]}")
        if 'error[' in out: print('     COMPILE ERROR', out[out.index('error['):][:500])
    finally:
        open(f'{os_cwd}/{f}','w').write(s)
        for q in pathlib.Path(os_cwd, "tests/tests").glob("*.proptest-regressions"):
            if q in regress:
                q.write_text(regress[q])
            else:
                q.unlink()
    sys.stdout.flush()
