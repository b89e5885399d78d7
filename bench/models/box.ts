/** An axis-aligned rectangle in image pixels: (x, y) is the top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
