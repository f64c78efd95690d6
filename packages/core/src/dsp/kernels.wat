;; Hot loops of the STFT in WebAssembly SIMD, on the module's own memory (the caller copies in and
;; out). Each kernel rounds exactly as its JavaScript twin in simd-kernels.ts, so the results are
;; the same bit for bit: a f32×f32 product is exact in double precision and rounded once to single
;; either way, and the magnitude is computed in double precision and rounded once to single.
;; Compiled by scripts/build-kernels.mjs into kernels-wasm.ts; a test checks the two agree.
(module
  (memory (export "memory") 1)

  ;; dst[i] = a[i] · b[i] for i < n (n a multiple of 4; byte addresses 16-byte aligned).
  (func (export "multiply") (param $a i32) (param $b i32) (param $dst i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $dst) (local.get $end)))
        (v128.store (local.get $dst)
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next))))

  ;; mag[k] = single(√(re_k² + im_k²)) in double precision, for bins k < count of the interleaved
  ;; (re, im) spectrum at $spec: two bins per step, then the last one if count is odd.
  (func (export "magnitudes") (param $spec i32) (param $mag i32) (param $count i32)
    (local $end i32) (local $v v128) (local $lo v128) (local $hi v128) (local $re f64) (local $im f64)
    (local.set $end (i32.add (local.get $mag) (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $mag) (local.get $end)))
        (local.set $v (v128.load (local.get $spec)))
        ;; (re0, im0) and (re1, im1) in double precision, squared.
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $hi (f64x2.promote_low_f32x4
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
        (local.set $lo (f64x2.mul (local.get $lo) (local.get $lo)))
        (local.set $hi (f64x2.mul (local.get $hi) (local.get $hi)))
        ;; (re0², re1²) + (im0², im1²), square root, rounded to single: the two magnitudes.
        (v128.store64_lane 0 (local.get $mag)
          (f32x4.demote_f64x2_zero
            (f64x2.sqrt
              (f64x2.add
                (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi))
                (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $lo) (local.get $hi))))))
        (local.set $spec (i32.add (local.get $spec) (i32.const 16)))
        (local.set $mag (i32.add (local.get $mag) (i32.const 8)))
        (br $next)))
    (if (i32.and (local.get $count) (i32.const 1))
      (then
        (local.set $re (f64.promote_f32 (f32.load (local.get $spec))))
        (local.set $im (f64.promote_f32 (f32.load offset=4 (local.get $spec))))
        (f32.store (local.get $mag)
          (f32.demote_f64 (f64.sqrt (f64.add (f64.mul (local.get $re) (local.get $re))
                                             (f64.mul (local.get $im) (local.get $im))))))))))
