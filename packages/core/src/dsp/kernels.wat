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
                                             (f64.mul (local.get $im) (local.get $im)))))))))

  ;; Widens [min, max] at $out (two f32) by the $n ≥ 0 samples at $p: four lanes of `x < min ? x :
  ;; min` (pmin, the comparison JavaScript's loop makes) and its max twin, then the lanes and the
  ;; last n mod 4 samples.
  (func (export "minmax") (param $p i32) (param $n i32) (param $out i32)
    (local $end i32) (local $min v128) (local $max v128) (local $x v128) (local $lo f32) (local $hi f32) (local $s f32)
    (local.set $min (v128.load32_splat (local.get $out)))
    (local.set $max (v128.load32_splat offset=4 (local.get $out)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (v128.load (local.get $p)))
        (local.set $min (f32x4.pmin (local.get $min) (local.get $x)))
        (local.set $max (f32x4.pmax (local.get $max) (local.get $x)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    ;; Across the lanes: (0, 1, 2, 3) against (2, 3, 0, 1), then against (1, 0, 3, 2).
    (local.set $min (f32x4.pmin (local.get $min)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $min) (local.get $min))))
    (local.set $min (f32x4.pmin (local.get $min)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $min) (local.get $min))))
    (local.set $max (f32x4.pmax (local.get $max)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $max) (local.get $max))))
    (local.set $max (f32x4.pmax (local.get $max)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $max) (local.get $max))))
    (local.set $lo (f32x4.extract_lane 0 (local.get $min)))
    (local.set $hi (f32x4.extract_lane 0 (local.get $max)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $tail
      (loop $each
        (br_if $tail (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $s (f32.load (local.get $p)))
        (if (f32.lt (local.get $s) (local.get $lo)) (then (local.set $lo (local.get $s))))
        (if (f32.gt (local.get $s) (local.get $hi)) (then (local.set $hi (local.get $s))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $each)))
    (f32.store (local.get $out) (local.get $lo))
    (f32.store offset=4 (local.get $out) (local.get $hi))))
