// Noise schedules and DDIM step lists of the diffusion model, in float64.
// Legend (Ho et al. 2020): T training steps, t in 0..T-1, beta_t the noise added at step t,
// alphaBar_t = prod_{s<=t} (1 - beta_s), so x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps.
import { ConfigError } from "../util/errors.ts";

export const SCHEDULES = ["cosine", "linear"] as const;
export type ScheduleKind = (typeof SCHEDULES)[number];

/** Linear betas from 1e-4 to 0.02 at T = 1000 (Ho et al. 2020, section 4), scaled by 1000/T for other T. */
const LINEAR_BETA = [1e-4, 0.02] as const;
/** Offset s of the cosine schedule, so that beta_0 is not vanishingly small (Nichol & Dhariwal 2021, eq. 17). */
const COSINE_OFFSET = 0.008;
/** Largest beta of the cosine schedule, clipped "to prevent singularities at the end" (ibid.). */
const COSINE_MAX_BETA = 0.999;

/** alphaBar_t for t = 0..T-1. */
export function alphasCumprod(kind: ScheduleKind, timesteps: number): Float64Array {
  if (!Number.isInteger(timesteps) || timesteps < 2)
    throw new ConfigError(`diffusion timesteps must be an integer >= 2, got ${timesteps}`);
  const T = timesteps;
  const betas = new Float64Array(T);
  if (kind === "linear") {
    const scale = 1000 / T;
    const [lo, hi] = [LINEAR_BETA[0] * scale, LINEAR_BETA[1] * scale];
    for (let t = 0; t < T; t++) betas[t] = lo + ((hi - lo) * t) / (T - 1);
  } else {
    // f(t) = cos^2(((t/T + s) / (1 + s)) pi/2), alphaBar_t = f(t+1) / f(0), beta_t = 1 - alphaBar_t / alphaBar_{t-1}.
    const f = (t: number) => Math.cos(((t / T + COSINE_OFFSET) / (1 + COSINE_OFFSET)) * (Math.PI / 2)) ** 2;
    for (let t = 0; t < T; t++) betas[t] = Math.min(1 - f(t + 1) / f(t), COSINE_MAX_BETA);
  }
  const out = new Float64Array(T);
  let prod = 1;
  for (let t = 0; t < T; t++) {
    prod *= 1 - betas[t]!;
    out[t] = prod;
  }
  return out;
}

/**
 * The DDIM sampling steps, from noisiest to cleanest, evenly spaced and "trailing" so that the first is
 * t = T-1, where the stored noise is a faithful x_T (Lin et al. 2024, "Common diffusion noise schedules
 * and sample steps are flawed", table 2): t_i = round(i T / S) - 1 for i = S..1.
 */
export function ddimTimesteps(timesteps: number, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > timesteps)
    throw new ConfigError(`DDIM steps must be an integer in 1..${timesteps}, got ${steps}`);
  const out: number[] = [];
  for (let i = steps; i >= 1; i--) out.push(Math.round((i * timesteps) / steps) - 1);
  return out;
}
