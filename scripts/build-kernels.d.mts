/** The compiled kernels.wat, base64. */
export function compileKernels(): Promise<string>;
/** The text of kernels-wasm.ts for those bytes. */
export function kernelsSource(base64: string): string;
