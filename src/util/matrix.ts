// Row-major float64 matrices for statistics (features, covariances). Networks use float32 tensors;
// everything statistical is float64.

/** rows x cols, element (r, c) at data[r*cols + c]. */
export interface Matrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  if (data !== undefined && data.length !== rows * cols) {
    throw new RangeError(`matrix ${rows}x${cols} needs ${rows * cols} values, got ${data.length}`);
  }
  const out = new Float64Array(rows * cols);
  if (data !== undefined) out.set(data);
  return { data: out, rows, cols };
}

/** Build from an array of equal-length rows. */
export function fromRows(rows: ArrayLike<number>[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const m = matrix(rows.length, cols);
  rows.forEach((row, r) => {
    if (row.length !== cols) throw new RangeError(`row ${r} has ${row.length} values, expected ${cols}`);
    m.data.set(row, r * cols);
  });
  return m;
}

/** A view of row r (no copy). */
export function row(m: Matrix, r: number): Float64Array {
  return m.data.subarray(r * m.cols, (r + 1) * m.cols);
}

/** A new matrix made of the given rows, in order. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = matrix(indices.length, m.cols);
  for (let i = 0; i < indices.length; i++) out.data.set(row(m, indices[i]!), i * m.cols);
  return out;
}
