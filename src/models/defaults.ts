// The one defaults object of training: per model family, the training schedule (epochs, batch size,
// learning rate, images per epoch) and the architecture and loss settings. The library (trainRun), the
// CLI (`genreview train --help`) and the docs all read these values; nothing else holds a default.
//
// The full defaults train each model on the built-in `shapes` data at 28x28 on a 2-core CPU: the VAE in
// about 2 minutes, the GAN in 10-12 (3,120 steps at the 289-343 samples/s measured on two machines) and
// the diffusion model in about 35 (100 epochs at the 21 s per epoch of `npm run bench:train`); at these
// settings the VAE's samples and most of the diffusion model's show recognisable shapes, a part of the
// GAN's (see "Known limitation" in the README). DEMO_PRESET trims them for the demo.

/** Training-loop defaults shared by every model family. */
export const RUN_DEFAULTS = {
  /** The built-in shapes: eight classes a person can name at a glance, so progress is easy to judge. */
  data: "shapes",
  seed: 0,
  /** Fixed sample set size: 64 fills an 8 x 8 grid (torchvision's make_grid default of 8 per row). */
  samples: 64,
  /**
   * Default checkpoints as fractions of the epochs (rounded up, always including epoch 1 and the last):
   * an early look, a quarter, the middle and the end, so progress is visible without many files.
   */
  checkpointFractions: [0.25, 0.5],
  /** Seed and count of `genreview sample` draws when not given. */
  sampleSeed: 1,
  sampleCount: 64,
} as const;

/** Per-family defaults: `train` for the loop, `model` for the architecture and losses. */
export const MODEL_DEFAULTS = {
  vae: {
    train: {
      epochs: 20,
      batchSize: 64,
      /** Adam's usual 1e-3 (Kingma & Ba 2015), stable for small convolutional VAEs. */
      lr: 1e-3,
      /**
       * Images per epoch, drawn once (seeded) from the training split: all 10,000 of the built-in data's.
       * 20 epochs of them (3,120 steps) took the samples from blurry rings to recognisable crosses, stars,
       * rings and crescents; 20 epochs of 2,048 did not (see the README's known limitation).
       */
      trainSize: 10000,
    },
    model: {
      /** 16 latent units: enough for position, size, rotation, fill and class of one shape. */
      latentDim: 16,
      /** Channels after the first and second stride-2 convolution (H/2 and H/4). */
      channels: [32, 64],
      /** beta of the KL term (beta-VAE, Higgins et al. 2017); 1 is the plain ELBO. */
      klWeight: 1,
      /** Epochs over which beta rises linearly from 0 (KL annealing, Bowman et al. 2016); 0 = off. */
      klWarmupEpochs: 1,
    },
  },
  gan: {
    train: {
      epochs: 20,
      batchSize: 64,
      /** DCGAN's Adam settings (Radford et al. 2016): lr 2e-4, beta1 0.5. */
      lr: 2e-4,
      /**
       * All 10,000 training images for 20 epochs (3,120 steps): measured, rings, crescents and circles
       * appear among the blobs by 2,496 steps.
       */
      trainSize: 10000,
    },
    model: {
      /**
       * "resize-conv": nearest upsampling and 3x3 convolutions (Odena et al. 2016) with one more 3x3
       * convolution per level; "transposed": DCGAN's strided transposed convolutions. On `shapes`, the
       * transposed layout drew speckled blobs; resize-conv drew rings, crescents and circles among blobs
       * (see the README's known limitation).
       */
      architecture: "resize-conv",
      latentDim: 32,
      /** Generator channels at H/2 and H/4 (the discriminator mirrors them). */
      channels: [32, 64],
      /** Adam beta1 0.5 as DCGAN: a shorter momentum memory keeps the two players from oscillating. */
      beta1: 0.5,
      beta2: 0.999,
      /** One-sided label smoothing (Salimans et al. 2016): real targets 0.9; 1 = off. */
      labelSmoothing: 0.9,
      /** R1 gradient penalty weight gamma on real data (Mescheder et al. 2018); 0 = off. */
      r1Gamma: 0,
    },
  },
  diffusion: {
    train: {
      epochs: 100,
      batchSize: 64,
      /** 1e-3: small U-Nets tolerate a larger step than DDPM's 2e-4. */
      lr: 1e-3,
      /**
       * All 10,000 training images for 100 epochs (15,600 steps). Measured on one run with checkpoints:
       * blobs at epoch 10; about half of the 64 fixed-seed samples recognisable shapes at epoch 40, about
       * three quarters at 70 and about seven in eight at 100 (crosses, stars, rings, circles, crescents,
       * triangles, squares, lines).
       */
      trainSize: 10000,
    },
    model: {
      /** U-Net channels at H/2 and H/4 (it works on 2x2 pixel patches, so its top level is H/2). */
      channels: [32, 64],
      /** Diffusion steps T of training (Ho et al. 2020). */
      timesteps: 1000,
      /** "cosine" (Nichol & Dhariwal 2021) or "linear" (Ho et al. 2020) noise schedule. */
      schedule: "cosine",
      /** DDIM steps when sampling (Song et al. 2021): 25 of the 1000 keep a checkpoint's review in seconds. */
      ddimSteps: 25,
      /**
       * EMA of the weights used for sampling, warmed up as min(decay, (1 + step) / (10 + step)): about the
       * last 1,000 steps of a full run, the last few dozen of a short one.
       */
      emaDecay: 0.999,
      /** Warm the EMA up as above; false averages with the fixed decay from the first step. */
      emaWarmup: true,
      /** min-SNR-gamma loss weighting (Hang et al. 2023; gamma 5 as the paper); 0 = the plain loss. */
      minSnrGamma: 5,
      /** "v" (Salimans & Ho 2022) or DDPM's "eps": what the network predicts. */
      prediction: "v",
    },
  },
} as const;

/**
 * Settings added after run folders were first written, with the value those runs were trained with: a
 * stored run.json without the key (resumed or sampled) is read with this value, not today's default.
 */
export const SETTINGS_BEFORE_THEY_EXISTED = {
  vae: {},
  gan: { architecture: "transposed" },
  diffusion: { prediction: "eps", emaWarmup: false },
} as const;

/**
 * The end-to-end demo's preset: the same models and settings with fewer epochs of 2,048 images, so that
 * training the three models, evaluating, reviewing and reporting fit in a few minutes. Checkpoints follow
 * the defaults' rule.
 */
export const DEMO_PRESET = {
  vae: { epochs: 12, trainSize: 2048 },
  gan: { epochs: 12, trainSize: 2048 },
  diffusion: { epochs: 12, trainSize: 2048 },
} as const;
