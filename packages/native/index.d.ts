/** The addon's functions (src/*.cc); every array argument is used in place. */
export interface NativeAddon {
  info(): { blas: string; corename: string; threads: number; blasThreads: number; openmp: boolean };
  setThreads(n: number): void;
  gemm(
    transA: boolean,
    transB: boolean,
    batch: number,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Float32Array,
    strideA: number,
    B: Float32Array,
    strideB: number,
    beta: number,
    C: Float32Array,
    strideC: number,
  ): void;
  binary(
    op: number,
    out: Float32Array,
    a: Float32Array,
    b: Float32Array,
    outShape: Int32Array,
    aStrides: Int32Array,
    bStrides: Int32Array,
  ): void;
  unary(op: number, out: Float32Array, x: Float32Array, alpha: number): void;
  reduce(op: number, out: Float32Array, x: Float32Array, outer: number, mid: number, inner: number): void;
  softmax(out: Float32Array, x: Float32Array, rows: number, cols: number, log: boolean): void;
  sumSquares(x: Float32Array): number;
  copyStrided(
    out: Float32Array,
    outOffset: number,
    outStrides: Int32Array,
    x: Float32Array,
    xOffset: number,
    xStrides: Int32Array,
    shape: Int32Array,
  ): void;
  gatherRows(out: Float32Array, x: Float32Array, rowSize: number, indices: Int32Array): number;
  segmentSumRows(out: Float32Array, x: Float32Array, rowSize: number, ids: Int32Array): void;
  layerNormForward(
    out: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    x: Float32Array,
    w: Float32Array,
    b: Float32Array,
    rows: number,
    C: number,
    eps: number,
  ): void;
  layerNormBackward(
    dx: Float32Array,
    dw: Float32Array,
    db: Float32Array,
    dy: Float32Array,
    x: Float32Array,
    w: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    rows: number,
    C: number,
  ): void;
  geluForward(out: Float32Array, x: Float32Array): void;
  geluBackward(dx: Float32Array, x: Float32Array, dy: Float32Array): void;
  softmaxXentForward(
    losses: Float32Array,
    lse: Float32Array,
    logits: Float32Array,
    targets: Int32Array,
    rows: number,
    V: number,
    ld: number,
  ): number;
  softmaxXentBackward(
    dlogits: Float32Array,
    logits: Float32Array,
    lse: Float32Array,
    targets: Int32Array,
    dlosses: Float32Array,
    rows: number,
    V: number,
    ld: number,
  ): void;
  scaledSoftmaxForward(
    out: Float32Array,
    x: Float32Array,
    rows: number,
    T: number,
    scale: number,
    causal: boolean,
  ): void;
  scaledSoftmaxBackward(
    dx: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    rows: number,
    T: number,
    scale: number,
  ): void;
  /** Causal attention from the fused projection; `scale` multiplies q·kᵀ (1/√hs as a float for the standard one). */
  causalAttentionForward(
    y: Float32Array,
    att: Float32Array,
    qkv: Float32Array,
    B: number,
    T: number,
    C: number,
    H: number,
    scale: number,
  ): void;
  causalAttentionBackward(
    dqkv: Float32Array,
    dy: Float32Array,
    att: Float32Array,
    qkv: Float32Array,
    B: number,
    T: number,
    C: number,
    H: number,
    scale: number,
  ): void;
  /**
   * Bidirectional attention: q, k, v rows of stride ld (C for separate projections), key-padding
   * mask (empty: none), dropout `rate` with mask seed `seed`; `drop` receives the dropped
   * probabilities when rate > 0 (may be empty otherwise).
   */
  encoderAttentionForward(
    y: Float32Array,
    att: Float32Array,
    drop: Float32Array,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    mask: Float32Array,
    B: number,
    T: number,
    C: number,
    H: number,
    ld: number,
    rate: number,
    seed: number,
  ): void;
  encoderAttentionBackward(
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
    dy: Float32Array,
    att: Float32Array,
    drop: Float32Array,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    mask: Float32Array,
    B: number,
    T: number,
    C: number,
    H: number,
    ld: number,
    rate: number,
    seed: number,
  ): void;
  lstmSequenceForward(
    hs: Float32Array,
    cs: Float32Array,
    gates: Float32Array,
    xw: Float32Array,
    U: Float32Array,
    mask: Float32Array,
    B: number,
    T: number,
    H: number,
  ): void;
  lstmSequenceBackward(
    dxw: Float32Array,
    dU: Float32Array,
    dhs: Float32Array,
    hs: Float32Array,
    cs: Float32Array,
    gates: Float32Array,
    U: Float32Array,
    mask: Float32Array,
    B: number,
    T: number,
    H: number,
  ): void;
  /** src/dense.cc: y = act(x·W + b), x [N, In], W [In, Out]; act 0 linear, 1 relu, 2 selu, 3 sigmoid, 4 tanh, 5 softmax. */
  denseForward(
    y: Float32Array,
    x: Float32Array,
    w: Float32Array,
    b: Float32Array,
    N: number,
    In: number,
    Out: number,
    act: number,
  ): void;
  /** Its backward from the layer's output y (db empty when there is no bias). */
  denseBackward(
    dx: Float32Array,
    dw: Float32Array,
    db: Float32Array,
    dy: Float32Array,
    x: Float32Array,
    w: Float32Array,
    y: Float32Array,
    N: number,
    In: number,
    Out: number,
    act: number,
  ): void;
  /** src/gelu_erf.cc: y = x·Φ(x), BERT's exact GELU. */
  geluErfForward(y: Float32Array, x: Float32Array): void;
  geluErfBackward(dx: Float32Array, x: Float32Array, dy: Float32Array): void;
  adamw(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    c1: number,
    c2: number,
    gradScale: number,
  ): void;
}

/** null where the addon was not built or does not load; `reason` says why. */
export declare const addon: NativeAddon | null;
export declare const reason: string;
/** The OpenBLAS kernel family this package asked for (OPENBLAS_CORETYPE), or null where OpenBLAS chose. */
export declare const coretype: string | null;
