//! The one trait the kernels and the update rules share: what takes the rows of a product
//! that is never stored (a weight update fused with its gradient product). Its own module so
//! that the kernels (`small`) and the dispatching module need not import each other.

/// Where the rows of a product go when it is not stored ([`super::gemm_then`]): a weight update
/// that reads each row of the gradient once, while it is still in the cache.
pub trait RowSink<T>: Send + Sized {
    /// Row `i` of the product (counted within this sink's rows); whether every value the
    /// sink wrote from it is finite.
    fn take_row(&mut self, i: usize, row: &[T]) -> bool;
    /// This sink's rows `..i` and `i..` (the second counted from 0 again), for two threads.
    fn split_at(self, i: usize) -> (Self, Self);
}
