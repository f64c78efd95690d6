// @echogarden/pffft-wasm ships no types: each entry is an Emscripten MODULARIZE factory.
declare module '@echogarden/pffft-wasm' {
  const createPffft: (moduleArg?: object) => Promise<unknown>;
  export default createPffft;
}
declare module '@echogarden/pffft-wasm/simd' {
  const createPffft: (moduleArg?: object) => Promise<unknown>;
  export default createPffft;
}
