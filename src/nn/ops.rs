//! Forward and backward kernels of the layers [`super::Network`] supports, on NCHW `f32`
//! arrays. Convolution is im2col + GEMM (`ndarray::dot`, matrixmultiply's sgemm with simd128
//! kernels on wasm), one image at a time so the column buffer stays in cache.

use ndarray::{s, Array2, Array4, ArrayView2, ArrayView4, ArrayViewMut2};

/// Geometry of a 2-D convolution or pooling window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// Kernel `(kh, kw)`.
    pub kernel: (usize, usize),
    /// Stride `(sh, sw)`.
    pub stride: (usize, usize),
    /// Padding `(top, left, bottom, right)`.
    pub pads: (usize, usize, usize, usize),
}

impl Window {
    /// Output side for input `(h, w)`, or `None` when the window does not fit.
    pub fn output(&self, h: usize, w: usize) -> Option<(usize, usize)> {
        let (kh, kw) = self.kernel;
        let (sh, sw) = self.stride;
        let (pt, pl, pb, pr) = self.pads;
        let hp = h + pt + pb;
        let wp = w + pl + pr;
        if kh == 0 || kw == 0 || sh == 0 || sw == 0 || hp < kh || wp < kw {
            return None;
        }
        Some(((hp - kh) / sh + 1, (wp - kw) / sw + 1))
    }
}

/// For kernel column `kx`, the output columns `ox` whose input column `ox*sw + kx - pl` lies
/// inside `0..w`, as a half-open range.
fn valid_cols(kx: usize, sw: usize, pl: usize, w: usize, wo: usize) -> (usize, usize) {
    // ix = ox*sw + kx - pl >= 0  <=>  ox >= ceil((pl - kx) / sw)
    let lo = if pl > kx { (pl - kx).div_ceil(sw) } else { 0 };
    // ix < w  <=>  ox*sw < w + pl - kx
    let hi = if w + pl > kx { (w + pl - kx).div_ceil(sw) } else { 0 };
    (lo.min(wo), hi.min(wo).max(lo.min(wo)))
}

/// Columns `[c*kh*kw, ho*wo]` of one image `[c, h, w]` (zero padding). Works on raw slices:
/// this loop and its adjoint were the engine's hottest code with ndarray indexing.
fn im2col(x: ArrayView4<f32>, img: usize, c0: usize, c: usize, win: &Window, ho: usize, wo: usize) -> Array2<f32> {
    let (_, _, h, w) = x.dim();
    let (kh, kw) = win.kernel;
    let (sh, sw) = win.stride;
    let (pt, pl, _, _) = win.pads;
    let mut cols = vec![0f32; c * kh * kw * ho * wo];
    let owned;
    let planes: &[f32] = match x.slice(s![img, c0..c0 + c, .., ..]).to_slice() {
        Some(sl) => sl,
        None => {
            owned = x.slice(s![img, c0..c0 + c, .., ..]).to_owned().into_raw_vec_and_offset().0;
            &owned
        }
    };
    let mut row = 0;
    for ci in 0..c {
        let plane = &planes[ci * h * w..(ci + 1) * h * w];
        for ky in 0..kh {
            for kx in 0..kw {
                let dst = &mut cols[row * ho * wo..(row + 1) * ho * wo];
                let (ox0, ox1) = valid_cols(kx, sw, pl, w, wo);
                for oy in 0..ho {
                    let iy = (oy * sh + ky) as isize - pt as isize;
                    if iy < 0 || iy >= h as isize || ox0 >= ox1 {
                        continue;
                    }
                    let src = &plane[iy as usize * w..(iy as usize + 1) * w];
                    let d = &mut dst[oy * wo..(oy + 1) * wo];
                    if sw == 1 {
                        let ix0 = ox0 + kx - pl;
                        d[ox0..ox1].copy_from_slice(&src[ix0..ix0 + (ox1 - ox0)]);
                    } else {
                        for ox in ox0..ox1 {
                            d[ox] = src[ox * sw + kx - pl];
                        }
                    }
                }
                row += 1;
            }
        }
    }
    Array2::from_shape_vec((c * kh * kw, ho * wo), cols).expect("sized above")
}

/// Scatter-add columns back into one image's gradient `[c, h, w]`: the adjoint of [`im2col`].
#[allow(clippy::too_many_arguments)]
fn col2im(cols: ArrayView2<f32>, dx: &mut Array4<f32>, img: usize, c0: usize, c: usize, win: &Window, ho: usize, wo: usize) {
    let (_, _, h, w) = dx.dim();
    let (kh, kw) = win.kernel;
    let (sh, sw) = win.stride;
    let (pt, pl, _, _) = win.pads;
    let owned;
    let cs: &[f32] = match cols.as_slice() {
        Some(sl) => sl,
        None => {
            owned = cols.to_owned().into_raw_vec_and_offset().0;
            &owned
        }
    };
    let mut planes = dx.slice_mut(s![img, c0..c0 + c, .., ..]);
    let Some(planes) = planes.as_slice_mut() else { return };
    let mut row = 0;
    for ci in 0..c {
        let plane = &mut planes[ci * h * w..(ci + 1) * h * w];
        for ky in 0..kh {
            for kx in 0..kw {
                let src = &cs[row * ho * wo..(row + 1) * ho * wo];
                let (ox0, ox1) = valid_cols(kx, sw, pl, w, wo);
                for oy in 0..ho {
                    let iy = (oy * sh + ky) as isize - pt as isize;
                    if iy < 0 || iy >= h as isize || ox0 >= ox1 {
                        continue;
                    }
                    let d = &mut plane[iy as usize * w..(iy as usize + 1) * w];
                    let sr = &src[oy * wo..(oy + 1) * wo];
                    if sw == 1 {
                        let ix0 = ox0 + kx - pl;
                        for (a, b) in d[ix0..ix0 + (ox1 - ox0)].iter_mut().zip(&sr[ox0..ox1]) {
                            *a += *b;
                        }
                    } else {
                        for ox in ox0..ox1 {
                            d[ox * sw + kx - pl] += sr[ox];
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

/// Convolution `y = conv(x, w) + b` with `w: [cout, cin/group, kh, kw]`.
pub fn conv_forward(x: ArrayView4<f32>, w: ArrayView4<f32>, b: Option<&[f32]>, win: &Window, group: usize) -> Array4<f32> {
    let (n, cin, h, wd) = x.dim();
    let (cout, cpg, kh, kw) = w.dim();
    let (ho, wo) = win.output(h, wd).unwrap_or((0, 0));
    let opg = cout / group;
    let mut y = Array4::<f32>::zeros((n, cout, ho, wo));
    let wmat = w.to_shape((cout, cpg * kh * kw)).expect("a weight tensor reshapes to a matrix");
    debug_assert_eq!(cin, cpg * group);
    if let Some(b) = b {
        for (co, &bv) in b.iter().enumerate() {
            y.slice_mut(s![.., co, .., ..]).fill(bv);
        }
    }
    for i in 0..n {
        for g in 0..group {
            let cols = im2col(x, i, g * cpg, cpg, win, ho, wo);
            let mut dst = y.slice_mut(s![i, g * opg..(g + 1) * opg, .., ..]);
            let mut dst2 = dst.view_mut().into_shape_with_order((opg, ho * wo)).expect("contiguous output");
            ndarray::linalg::general_mat_mul(1.0, &wmat.slice(s![g * opg..(g + 1) * opg, ..]), &cols, 1.0, &mut dst2);
        }
    }
    y
}

/// Backward of [`conv_forward`]: returns `dx` and, when `want_w`, adds into `dw` and `db`.
#[allow(clippy::too_many_arguments)]
pub fn conv_backward(
    x: ArrayView4<f32>,
    w: ArrayView4<f32>,
    dy: ArrayView4<f32>,
    win: &Window,
    group: usize,
    want_x: bool,
    dw: Option<&mut Array4<f32>>,
    db: Option<&mut [f32]>,
) -> Option<Array4<f32>> {
    let (n, cin, h, wd) = x.dim();
    let (cout, cpg, kh, kw) = w.dim();
    let (_, _, ho, wo) = dy.dim();
    let opg = cout / group;
    let wmat = w.to_shape((cout, cpg * kh * kw)).map(|v| v.to_owned()).unwrap_or_else(|_| Array2::zeros((cout, cpg * kh * kw)));
    let mut dx = if want_x { Some(Array4::<f32>::zeros((n, cin, h, wd))) } else { None };
    let mut dwm = dw.as_ref().map(|_| Array2::<f32>::zeros((cout, cpg * kh * kw)));
    for i in 0..n {
        let dyi = dy.slice(s![i, .., .., ..]);
        let dyi = dyi.to_shape((cout, ho * wo)).map(|v| v.to_owned()).unwrap_or_else(|_| Array2::zeros((cout, ho * wo)));
        for g in 0..group {
            let dyg = dyi.slice(s![g * opg..(g + 1) * opg, ..]);
            if let Some(dwm) = dwm.as_mut() {
                let cols = im2col(x, i, g * cpg, cpg, win, ho, wo);
                let mut part: ArrayViewMut2<f32> = dwm.slice_mut(s![g * opg..(g + 1) * opg, ..]);
                ndarray::linalg::general_mat_mul(1.0, &dyg, &cols.t(), 1.0, &mut part);
            }
            if let Some(dx) = dx.as_mut() {
                let dcols = wmat.slice(s![g * opg..(g + 1) * opg, ..]).t().dot(&dyg);
                col2im(dcols.view(), dx, i, g * cpg, cpg, win, ho, wo);
            }
        }
    }
    if let (Some(dw), Some(dwm)) = (dw, dwm) {
        if let Ok(v) = dwm.into_shape_with_order((cout, cpg, kh, kw)) {
            *dw += &v;
        }
    }
    if let Some(db) = db {
        for (co, d) in db.iter_mut().enumerate().take(cout) {
            *d += dy.slice(s![.., co, .., ..]).sum();
        }
    }
    dx
}

/// Max pooling; also returns, per output element, the flat index (within its `[h, w]` plane)
/// of the input it came from, for the backward pass. Padding never wins.
pub fn maxpool_forward(x: ArrayView4<f32>, win: &Window) -> (Array4<f32>, Vec<u32>) {
    let (n, c, h, w) = x.dim();
    let (ho, wo) = win.output(h, w).unwrap_or((0, 0));
    let (kh, kw) = win.kernel;
    let (sh, sw) = win.stride;
    let (pt, pl, _, _) = win.pads;
    let xs = x.as_standard_layout();
    let src = xs.as_slice().expect("standard layout");
    let mut y = vec![0f32; n * c * ho * wo];
    let mut arg = vec![0u32; n * c * ho * wo];
    for p in 0..n * c {
        let plane = &src[p * h * w..(p + 1) * h * w];
        let out = &mut y[p * ho * wo..(p + 1) * ho * wo];
        let am = &mut arg[p * ho * wo..(p + 1) * ho * wo];
        for oy in 0..ho {
            let y0 = (oy * sh) as isize - pt as isize;
            let ys = y0.max(0) as usize..((y0 + kh as isize).min(h as isize)).max(0) as usize;
            for ox in 0..wo {
                let x0 = (ox * sw) as isize - pl as isize;
                let xs = x0.max(0) as usize..((x0 + kw as isize).min(w as isize)).max(0) as usize;
                let mut best = f32::NEG_INFINITY;
                let mut bi = 0u32;
                for iy in ys.clone() {
                    let row = &plane[iy * w..(iy + 1) * w];
                    for ix in xs.clone() {
                        if row[ix] > best {
                            best = row[ix];
                            bi = (iy * w + ix) as u32;
                        }
                    }
                }
                out[oy * wo + ox] = best;
                am[oy * wo + ox] = bi;
            }
        }
    }
    (Array4::from_shape_vec((n, c, ho, wo), y).expect("sized above"), arg)
}

/// Backward of [`maxpool_forward`]: the gradient goes to the arg-max input.
pub fn maxpool_backward(dy: ArrayView4<f32>, arg: &[u32], in_hw: (usize, usize)) -> Array4<f32> {
    let (n, c, ho, wo) = dy.dim();
    let (h, w) = in_hw;
    let mut dx = Array4::<f32>::zeros((n, c, h, w));
    let mut k = 0;
    for i in 0..n {
        for ch in 0..c {
            for oy in 0..ho {
                for ox in 0..wo {
                    let a = arg[k] as usize;
                    dx[[i, ch, a / w, a % w]] += dy[[i, ch, oy, ox]];
                    k += 1;
                }
            }
        }
    }
    dx
}

/// Average pooling. With `count_pad` the divisor is the full kernel area, else the number of
/// in-bounds inputs (ONNX `count_include_pad`).
pub fn avgpool_forward(x: ArrayView4<f32>, win: &Window, count_pad: bool) -> Array4<f32> {
    let (n, c, h, w) = x.dim();
    let (ho, wo) = win.output(h, w).unwrap_or((0, 0));
    let mut y = Array4::<f32>::zeros((n, c, ho, wo));
    for_each_window(win, h, w, ho, wo, count_pad, |oy, ox, iy, ix, scale| {
        for i in 0..n {
            for ch in 0..c {
                y[[i, ch, oy, ox]] += x[[i, ch, iy, ix]] * scale;
            }
        }
    });
    y
}

/// Backward of [`avgpool_forward`].
pub fn avgpool_backward(dy: ArrayView4<f32>, win: &Window, count_pad: bool, in_hw: (usize, usize)) -> Array4<f32> {
    let (n, c, ho, wo) = dy.dim();
    let (h, w) = in_hw;
    let mut dx = Array4::<f32>::zeros((n, c, h, w));
    for_each_window(win, h, w, ho, wo, count_pad, |oy, ox, iy, ix, scale| {
        for i in 0..n {
            for ch in 0..c {
                dx[[i, ch, iy, ix]] += dy[[i, ch, oy, ox]] * scale;
            }
        }
    });
    dx
}

fn for_each_window(win: &Window, h: usize, w: usize, ho: usize, wo: usize, count_pad: bool, mut f: impl FnMut(usize, usize, usize, usize, f32)) {
    let (kh, kw) = win.kernel;
    let (sh, sw) = win.stride;
    let (pt, pl, _, _) = win.pads;
    for oy in 0..ho {
        for ox in 0..wo {
            let mut inside = Vec::with_capacity(kh * kw);
            for ky in 0..kh {
                for kx in 0..kw {
                    let iy = (oy * sh + ky) as isize - pt as isize;
                    let ix = (ox * sw + kx) as isize - pl as isize;
                    if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < w {
                        inside.push((iy as usize, ix as usize));
                    }
                }
            }
            let div = if count_pad { (kh * kw) as f32 } else { inside.len().max(1) as f32 };
            for (iy, ix) in inside {
                f(oy, ox, iy, ix, 1.0 / div);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array;

    fn seq4(shape: (usize, usize, usize, usize)) -> Array4<f32> {
        let len = shape.0 * shape.1 * shape.2 * shape.3;
        Array::from_iter((0..len).map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)).into_shape_with_order(shape).unwrap()
    }

    #[test]
    fn conv_matches_direct_sum_with_stride_pad_and_groups() {
        let x = seq4((2, 4, 5, 6));
        let w = seq4((6, 2, 3, 2));
        let b = [0.5, -0.25, 0.0, 1.0, 2.0, -1.0];
        let win = Window { kernel: (3, 2), stride: (2, 1), pads: (1, 0, 1, 1) };
        let y = conv_forward(x.view(), w.view(), Some(&b), &win, 2);
        let (ho, wo) = win.output(5, 6).unwrap();
        assert_eq!(y.dim(), (2, 6, ho, wo));
        for i in 0..2 {
            for co in 0..6 {
                let g = co / 3;
                for oy in 0..ho {
                    for ox in 0..wo {
                        let mut acc = b[co];
                        for ci in 0..2 {
                            for ky in 0..3 {
                                for kx in 0..2 {
                                    let iy = (oy * 2 + ky) as isize - 1;
                                    let ix = (ox + kx) as isize;
                                    if iy >= 0 && iy < 5 && ix < 6 {
                                        acc += x[[i, g * 2 + ci, iy as usize, ix as usize]] * w[[co, ci, ky, kx]];
                                    }
                                }
                            }
                        }
                        assert!((acc - y[[i, co, oy, ox]]).abs() < 1e-5);
                    }
                }
            }
        }
    }

    #[test]
    fn im2col_and_col2im_are_adjoint() {
        // <im2col(x), c> == <x, col2im(c)> for any x, c.
        let x = seq4((1, 3, 5, 4));
        let win = Window { kernel: (3, 3), stride: (2, 2), pads: (1, 1, 1, 1) };
        let (ho, wo) = win.output(5, 4).unwrap();
        let cols = im2col(x.view(), 0, 0, 3, &win, ho, wo);
        let c = Array2::from_shape_fn(cols.dim(), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let mut back = Array4::<f32>::zeros((1, 3, 5, 4));
        col2im(c.view(), &mut back, 0, 0, 3, &win, ho, wo);
        let lhs: f32 = (&cols * &c).sum();
        let rhs: f32 = (&x * &back).sum();
        assert!((lhs - rhs).abs() < 1e-3, "{lhs} vs {rhs}");
    }

    #[test]
    fn pools_route_gradients() {
        let x = seq4((1, 2, 4, 4));
        let win = Window { kernel: (2, 2), stride: (2, 2), pads: (0, 0, 0, 0) };
        let (y, arg) = maxpool_forward(x.view(), &win);
        let dx = maxpool_backward(Array4::ones(y.dim()).view(), &arg, (4, 4));
        assert_eq!(dx.sum(), 8.0);
        assert_eq!(dx.iter().filter(|v| **v == 1.0).count(), 8);
        let a = avgpool_forward(x.view(), &win, false);
        assert!((a[[0, 0, 0, 0]] - (x[[0, 0, 0, 0]] + x[[0, 0, 0, 1]] + x[[0, 0, 1, 0]] + x[[0, 0, 1, 1]]) / 4.0).abs() < 1e-6);
        let da = avgpool_backward(Array4::ones(a.dim()).view(), &win, false, (4, 4));
        assert!(da.iter().all(|v| (*v - 0.25).abs() < 1e-7));
    }
}
