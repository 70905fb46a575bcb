//! Scratch space kept from one call to the next.

use simkern_core::Result;

use crate::alloc::reserve_to;

/// Scratch space that kernels borrow and give back, grown when a call
/// needs more and never shrunk: a training loop that passes the same
/// `Workspace` (and the same gradient buffers) to every step allocates in
/// its first step only. Growing uses `try_reserve`, so a size that cannot
/// be had is [`Error::OutOfMemory`](crate::Error::OutOfMemory), not an abort.
///
/// ```
/// use simkern::{InfoNce, Workspace};
/// let loss = InfoNce::new(0.1)?.normalize(true);
/// let (q, k) = ([1.0f32, 0.2, 0.1, 1.0], [0.9f32, 0.0, 0.1, 1.0]);
/// let (mut dq, mut dk) = ([0.0f32; 4], [0.0f32; 4]);
/// let mut ws = Workspace::new();
/// for _step in 0..3 {
///     let l = loss.loss_and_grad_into(&q, &k, 2, &mut dq, &mut dk, &mut ws)?;
///     assert_eq!(l, loss.loss(&q, &k, 2)?);
/// }
/// let held = ws.capacity();
/// loss.loss_and_grad_into(&q, &k, 2, &mut dq, &mut dk, &mut ws)?;
/// assert_eq!(ws.capacity(), held, "nothing allocated after the first step");
/// # Ok::<(), simkern::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    f32s: Vec<f32>,
}

impl Workspace {
    /// An empty workspace (it allocates on first use).
    ///
    /// ```
    /// assert_eq!(simkern::Workspace::new().capacity(), 0);
    /// ```
    pub const fn new() -> Self {
        Workspace { f32s: Vec::new() }
    }

    /// The `f32` elements it holds now.
    ///
    /// ```
    /// let mut ws = simkern::Workspace::new();
    /// simkern::similarity_matrix_into(&[1.0], &[2.0], 1, &mut [0.0], &mut ws)?;
    /// assert!(ws.capacity() > 0);
    /// # Ok::<(), simkern::Error>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.f32s.len()
    }

    /// `len` elements of scratch (grown to it if it is shorter; the
    /// contents are whatever the last call left).
    pub(crate) fn f32s(&mut self, len: usize) -> Result<&mut [f32]> {
        if len > self.f32s.len() {
            reserve_to(&mut self.f32s, len)?;
            self.f32s.resize(len, 0.0);
        }
        Ok(&mut self.f32s[..len])
    }
}
