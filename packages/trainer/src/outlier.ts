/**
 * llm.c's OutlierDetector: the z-score of a value against the previous 128
 * values (mean and population standard deviation). NaN until the window is full.
 * `-sl`/`-sg` skip an update whose loss / grad-norm z-score exceeds the threshold.
 */
export const OUTLIER_WINDOW = 128;

export class OutlierDetector {
  private readonly buffer = new Float64Array(OUTLIER_WINDOW);
  private count = 0;
  private index = 0;
  private sum = 0;
  private sumSq = 0;

  /** Returns the z-score of `value` against the window, then adds it. */
  update(value: number): number {
    let z = Number.NaN;
    if (this.count < OUTLIER_WINDOW) {
      this.buffer[this.count++] = value;
      this.sum += value;
      this.sumSq += value * value;
      return z;
    }
    const mean = this.sum / OUTLIER_WINDOW;
    const variance = this.sumSq / OUTLIER_WINDOW - mean * mean;
    const std = Math.sqrt(Math.max(variance, 0));
    z = std === 0 ? Number.NaN : (value - mean) / std;
    const old = this.buffer[this.index];
    this.sum += value - old;
    this.sumSq += value * value - old * old;
    this.buffer[this.index] = value;
    this.index = (this.index + 1) % OUTLIER_WINDOW;
    return z;
  }
}
