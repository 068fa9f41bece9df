// The run view: where a checkpoint is chosen. The filmstrip with a checkpoint slider and zoom, the current
// checkpoint (all seeds, scores, flags, notes editor), the charts, the checkpoint table with the rule's
// verdicts, the rule editor and the failure gallery. Edits are saved to the run's review/notes.json by the
// server, which answers with the re-evaluated run, so the selection on screen is always the saved one.

import { lossesSpec, ruleRegion, type ScorePoint, scoresSpec, tradeoffSpec } from "../../charts/specs.ts";
import type { CheckpointRow, FailureItem, MetricsResponse, RunDetail } from "../api-types.ts";
import { api, fileUrl } from "./api.ts";
import type { ChartHandle } from "./charts.ts";
import { epochName, fmt, h, replace, seedName } from "./dom.ts";
import { buildFilmstrip, type Filmstrip, sampleCell, stripsLoaded } from "./filmstrip.ts";
import { statusBadge } from "./shared.ts";

/** Zoom factors offered for the filmstrip (integer and half steps keep pixels evenly sized). */
const ZOOMS = [1, 1.5, 2, 3, 4, 6];
const DEFAULT_ZOOM = 2;
/** Zoom of the current-checkpoint grid. */
const PANEL_ZOOM = 2;

export class RunView {
  private detail!: RunDetail;
  private metrics: MetricsResponse | null = null;
  private epoch = 0;
  private zoom = DEFAULT_ZOOM;
  private charts: ChartHandle[] = [];
  private chartGeneration = 0;
  private filmstrip: Filmstrip | null = null;
  private filmstripKey = "";
  private notesDirty = false;
  /** The rule form has edits not yet applied: live refreshes leave it alone. */
  private ruleDirty = false;
  /** The notes form on screen, kept across live refreshes while it has unsaved edits. */
  private notesEditor: { epoch: number; form: HTMLElement } | null = null;
  /** The outcome of the last save, shown until the next edit or checkpoint change. */
  private notesMessage: { epoch: number; text: string; kind: "ok" | "error" } | null = null;

  // the page's fixed parts, filled by render()
  private readonly el = {
    header: h("div"),
    banners: h("div"),
    toolbar: h("div", { class: "fs-toolbar" }),
    scroll: h("div", { class: "fs-scroll" }),
    panel: h("div", { class: "ckpt card" }),
    charts: h("div", { class: "charts" }),
    table: h("div"),
    rule: h("div", { class: "card" }),
    gallery: h("div", { class: "gallery" }),
    dialog: h("dialog", { attrs: { "data-testid": "sample-dialog" } }),
  };

  constructor(
    private readonly root: HTMLElement,
    private readonly id: string,
  ) {}

  /** Load and show the run; resolves when the filmstrip's images are on screen. */
  async open(): Promise<void> {
    const detail = await api.run(this.id);
    this.epoch =
      detail.selection?.selectedEpoch ?? detail.sampleEpochs.at(-1) ?? detail.checkpoints.at(-1)?.epoch ?? 0;
    this.layout();
    this.show(detail);
    document.addEventListener("keydown", this.onKey);
    await stripsLoaded(this.el.scroll);
    document.body.dataset["filmstrip"] = "rendered";
    // the charts chunk and the loss series load after the samples are visible
    this.metrics = await api.metrics(this.id).catch(() => null);
    await this.renderCharts();
  }

  /** A live event said files changed: reload what they feed. */
  async refresh(parts: readonly string[]): Promise<void> {
    const detail = await api.run(this.id);
    if (parts.includes("metrics")) this.metrics = await api.metrics(this.id).catch(() => this.metrics);
    // follow training: when the last column was current, move to the new last one
    const wasLast = this.epoch === this.detail.sampleEpochs.at(-1);
    this.show(detail);
    const last = detail.sampleEpochs.at(-1);
    if (wasLast && last !== undefined && last !== this.epoch) this.setEpoch(last, true);
    await this.renderCharts();
  }

  close(): void {
    document.removeEventListener("keydown", this.onKey);
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
  }

  /** ← and → step through the checkpoints, unless the user is typing or a sample is open. */
  private readonly onKey = (event: KeyboardEvent) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    const target = event.target as HTMLElement;
    if (target.closest("input, textarea, select") || this.el.dialog.open) return;
    const epochs = this.detail.sampleEpochs;
    const next = epochs[epochs.indexOf(this.epoch) + (event.key === "ArrowLeft" ? -1 : 1)];
    if (next === undefined) return;
    event.preventDefault();
    this.setEpoch(next, true);
  };

  private layout(): void {
    const { el } = this;
    replace(
      this.root,
      el.header,
      el.banners,
      h(
        "section",
        {},
        h(
          "h2",
          {},
          "Filmstrip ",
          h("span", { class: "muted small" }, "rows: fixed seeds · columns: checkpoints"),
        ),
        el.toolbar,
        h("div", { class: "row" }, el.scroll, el.panel),
      ),
      h("section", {}, h("h2", {}, "Charts"), el.charts),
      h("section", {}, h("h2", {}, "Checkpoints"), el.table),
      h("section", {}, h("h2", {}, "Selection rule"), el.rule),
      h("section", {}, h("h2", {}, "Failure gallery"), el.gallery),
      el.dialog,
    );
  }

  /** Show `detail`, keeping the current epoch, zoom and unsaved notes. */
  private show(detail: RunDetail): void {
    this.detail = detail;
    if (!this.rowOf(this.epoch) && detail.checkpoints.length > 0)
      this.epoch = detail.checkpoints.at(-1)!.epoch;
    this.renderHeader();
    this.renderBanners();
    this.renderFilmstrip();
    this.renderPanel();
    this.renderTable();
    this.renderRule();
    this.renderGallery();
  }

  private rowOf(epoch: number): CheckpointRow | undefined {
    return this.detail.checkpoints.find((c) => c.epoch === epoch);
  }

  /** Make `epoch` current everywhere: slider, filmstrip column, panel, table row and chart markers. */
  setEpoch(epoch: number, scroll = false): void {
    if (epoch === this.epoch && !scroll) return;
    if (this.notesDirty && !confirm("Discard the unsaved notes of this checkpoint?")) return;
    this.notesDirty = false;
    this.notesMessage = null;
    this.epoch = epoch;
    this.filmstrip?.highlight(epoch, true);
    this.renderToolbar();
    this.renderPanel();
    for (const row of this.el.table.querySelectorAll<HTMLElement>("tr[data-epoch]")) {
      row.classList.toggle("current", Number(row.dataset["epoch"]) === epoch);
    }
    for (const chart of this.charts) chart.setFocus(epoch);
  }

  // ---- header and banners ----

  private renderHeader(): void {
    const { detail } = this;
    const info = detail.info;
    replace(
      this.el.header,
      h("div", { class: "muted small" }, h("a", { attrs: { href: "#/" } }, "runs"), " / "),
      h("h1", {}, detail.id),
      info
        ? h(
            "div",
            { class: "muted" },
            `${info.model} · ${info.dataset.id} (${info.dataset.width}×${info.dataset.height}) · `,
            h("span", { class: `badge ${info.status === "training" ? "candidate" : ""}` }, info.status),
            ` · started ${info.createdAt.slice(0, 16).replace("T", " ")}`,
            info.description ? ` · ${info.description}` : "",
          )
        : null,
    );
  }

  private renderBanners(): void {
    const { detail } = this;
    const banners: HTMLElement[] = [];
    if (detail.problems.length > 0) {
      banners.push(
        h(
          "div",
          { class: "banner error", attrs: { "data-testid": "problems" } },
          h(
            "b",
            {},
            `${detail.problems.length} problem${detail.problems.length === 1 ? "" : "s"} in this run folder`,
          ),
          h("ul", {}, ...detail.problems.map((p) => h("li", {}, p.message))),
        ),
      );
    }
    if (detail.evaluation === null) {
      banners.push(
        h(
          "div",
          { class: "banner info", attrs: { "data-testid": "not-evaluated" } },
          "Not evaluated yet — run ",
          h("code", {}, `genreview evaluate ${detail.id === "." ? "RUN" : detail.id}`),
          " to measure quality and diversity and apply the selection rule.",
        ),
      );
    } else if (detail.rule.problem !== null) {
      banners.push(
        h(
          "div",
          { class: "banner error" },
          `The rule in review/notes.json is invalid: ${detail.rule.problem}`,
        ),
      );
    } else if (detail.selection) {
      const selected = detail.selection.selectedEpoch;
      banners.push(
        h(
          "div",
          { class: `banner ${selected === null ? "warn" : "ok"}`, attrs: { "data-testid": "selection" } },
          h("b", {}, selected === null ? "No checkpoint selected. " : `Selected: epoch ${selected}. `),
          detail.selection.summary,
          " ",
          h(
            "span",
            { class: "muted small" },
            `rule ${detail.rule.hash}${detail.rule.source === "notes" ? " (yours)" : " (default)"}`,
          ),
        ),
      );
    }
    const next = detail.selection?.nextAction;
    if (next) {
      banners.push(
        h(
          "div",
          { class: "banner info", attrs: { "data-testid": "next-action" } },
          h("b", {}, `Next: ${next.title}. `),
          next.why,
          h(
            "div",
            { class: "small" },
            `First step: ${next.firstStep}`,
            next.command ? " " : "",
            next.command ? h("code", {}, next.command) : null,
          ),
        ),
      );
    }
    // the review's warnings include the evaluation's; without a review, the evaluation's alone
    for (const warning of detail.selection?.warnings ?? detail.evaluation?.warnings ?? [])
      banners.push(h("div", { class: "banner warn" }, warning));
    for (const flag of detail.evaluation?.runFlags ?? []) {
      banners.push(h("div", { class: "banner warn" }, h("b", {}, `${flag.kind}: `), flag.evidence));
    }
    replace(this.el.banners, ...banners);
  }

  // ---- filmstrip ----

  private renderToolbar(): void {
    const epochs = this.detail.sampleEpochs;
    const index = Math.max(0, epochs.indexOf(this.epoch));
    const slider = h("input", {
      attrs: {
        type: "range",
        min: 0,
        max: Math.max(0, epochs.length - 1),
        value: index,
        step: 1,
        "aria-label": "checkpoint",
        "data-testid": "epoch-slider",
      },
      on: {
        input: (event) => {
          const epoch = epochs[Number((event.target as HTMLInputElement).value)];
          if (epoch !== undefined) this.setEpoch(epoch);
        },
      },
    });
    const zoomButtons = ZOOMS.map((z) =>
      h(
        "button",
        {
          attrs: { "aria-pressed": z === this.zoom ? "true" : "false", "data-zoom": z },
          on: {
            click: () => {
              this.zoom = z;
              this.el.scroll.style.setProperty("--zoom", String(z));
              this.renderToolbar();
            },
          },
        },
        `${z}×`,
      ),
    );
    replace(
      this.el.toolbar,
      h("label", {}, "checkpoint "),
      slider,
      h("span", { class: "fs-epoch", attrs: { "data-testid": "current-epoch" } }, `epoch ${this.epoch}`),
      h(
        "span",
        { class: "muted small", title: "or use the ← and → keys" },
        `${index + 1} / ${epochs.length}`,
      ),
      h("span", { class: "muted small" }, "zoom"),
      ...zoomButtons,
      h("span", { class: "muted small" }, `${this.detail.seeds.length} seeds × ${epochs.length} checkpoints`),
    );
  }

  private renderFilmstrip(): void {
    this.renderToolbar();
    const { detail } = this;
    // rebuilt only when its columns or rows change (a live refresh mostly changes numbers)
    const key = `${detail.sampleEpochs.join(",")}|${detail.seeds.join(",")}|${this.markedKey()}`;
    if (key === this.filmstripKey && this.filmstrip) return;
    this.filmstripKey = key;
    this.el.scroll.style.setProperty("--zoom", String(this.zoom));
    if (detail.sampleEpochs.length === 0) {
      this.filmstrip = null;
      replace(
        this.el.scroll,
        h(
          "p",
          { class: "muted", style: { padding: "12px" } },
          "No samples yet: the run has not written samples/epoch-NNNN/.",
        ),
      );
      return;
    }
    this.filmstrip = buildFilmstrip(detail, {
      onEpoch: (epoch) => this.setEpoch(epoch),
      onSample: (epoch, seed) => this.openSample(epoch, seed),
    });
    // outline the samples the user marked as failures
    for (const item of detail.failures) {
      if (item.mark === true && item.seed !== null) this.filmstrip.mark(item.epoch, item.seed);
    }
    replace(this.el.scroll, this.filmstrip.root);
    this.filmstrip.highlight(this.epoch, true);
  }

  private markedKey(): string {
    return this.detail.failures
      .filter((f) => f.mark === true)
      .map((f) => `${f.epoch}/${f.seed}`)
      .join(",");
  }

  // ---- the current checkpoint ----

  private renderPanel(): void {
    const { detail, epoch } = this;
    const row = this.rowOf(epoch);
    const panel = this.el.panel;
    if (!row) {
      replace(panel, h("p", { class: "muted" }, "No checkpoints yet."));
      return;
    }
    const size = detail.imageSize ?? { width: 28, height: 28 };
    const grid = h("div", {
      class: "ckpt-grid",
      attrs: { "data-testid": "current-grid", "data-epoch": epoch },
      style: { "--w": String(size.width), "--h": String(size.height), "--pz": String(PANEL_ZOOM) },
    });
    if (row.hasSamples) for (const seed of detail.seeds) grid.append(sampleCell(detail, epoch, seed));
    grid.addEventListener("click", (event) => {
      const cell = (event.target as HTMLElement).closest<HTMLElement>(".sample");
      if (cell) this.openSample(epoch, Number(cell.dataset["seed"]));
    });

    replace(
      panel,
      h(
        "div",
        { class: "ckpt-head" },
        h("h2", {}, `Epoch ${epoch}`),
        row.step !== null ? h("span", { class: "muted small" }, `step ${row.step}`) : null,
        row.verdict ? statusBadge(row.verdict.status) : null,
        ...row.flags.map((f) => h("span", { class: `badge ${f.severity}`, title: f.evidence }, f.kind)),
      ),
      row.scores
        ? h(
            "div",
            { class: "scores" },
            h(
              "div",
              {},
              "quality ",
              h("b", {}, fmt(row.scores.quality.value)),
              h(
                "span",
                { class: "interval" },
                ` [${fmt(row.scores.quality.low)}, ${fmt(row.scores.quality.high)}]`,
              ),
            ),
            h(
              "div",
              {},
              "diversity ",
              h("b", {}, fmt(row.scores.diversity.value)),
              h(
                "span",
                { class: "interval" },
                ` [${fmt(row.scores.diversity.low)}, ${fmt(row.scores.diversity.high)}]`,
              ),
            ),
          )
        : h("p", { class: "muted small" }, "not evaluated"),
      row.verdict && row.verdict.reasons.length > 0
        ? h("div", { class: "muted small" }, row.verdict.reasons.join("; "))
        : null,
      row.hasSamples ? grid : h("p", { class: "muted small" }, "no samples at this epoch"),
      this.notesDirty && this.notesEditor?.epoch === epoch ? this.notesEditor.form : this.notesForm(row),
    );
  }

  private notesForm(row: CheckpointRow): HTMLElement {
    const fields = ["quality", "diversity", "failure"] as const;
    const message = this.notesMessage?.epoch === row.epoch ? this.notesMessage : null;
    const status = h(
      "span",
      { class: `status-text ${message?.kind ?? ""}`, attrs: { "data-testid": "notes-status" } },
      message?.text ?? "",
    );
    const areas = fields.map((field) =>
      h("textarea", {
        attrs: {
          name: field,
          rows: 2,
          placeholder: row.drafted[field] ? `drafted: ${row.drafted[field]}` : `your ${field} note`,
          "data-testid": `note-${field}`,
        },
        on: {
          input: () => {
            this.notesDirty = true;
            this.notesMessage = null;
            status.textContent = "unsaved";
            status.className = "status-text";
          },
        },
      }),
    );
    areas.forEach((area, i) => {
      area.value = row.user[fields[i]!] ?? "";
    });
    const save = async () => {
      const edit: Record<string, string | null> = {};
      areas.forEach((area, i) => {
        const text = area.value.trim();
        edit[fields[i]!] = text === "" ? null : text;
      });
      status.textContent = "saving…";
      try {
        const detail = await api.saveNotes(this.id, row.epoch, edit);
        this.notesDirty = false;
        this.notesMessage = { epoch: row.epoch, text: "saved to review/notes.json", kind: "ok" };
        this.show(detail);
        void this.renderCharts();
      } catch (error) {
        status.textContent = (error as Error).message;
        status.className = "status-text error";
      }
    };
    const form = h(
      "form",
      {
        class: "notes-form",
        on: {
          submit: (event) => {
            event.preventDefault();
            void save();
          },
        },
      },
      h(
        "div",
        { class: "muted small" },
        "Your notes win over the drafted ones; leave a field empty to use the draft.",
      ),
      ...fields.flatMap((field, i) => [
        h("label", { attrs: { for: `note-${field}` } }, `${field} note`),
        areas[i]!,
      ]),
      h(
        "div",
        { class: "form-actions" },
        h(
          "button",
          { class: "primary", attrs: { type: "submit", "data-testid": "save-notes" } },
          "Save notes",
        ),
        status,
      ),
    );
    this.notesEditor = { epoch: row.epoch, form };
    return form;
  }

  // ---- sample dialog ----

  private openSample(epoch: number, seed: number): void {
    const { detail } = this;
    const dialog = this.el.dialog;
    const size = detail.imageSize ?? { width: 28, height: 28 };
    const kept = detail.failures.filter((f) => f.epoch === epoch && f.seed === seed);
    const realism = kept.find((f) => f.kind === "least_realistic" && f.value !== null);
    const nearest = kept.find((f) => f.kind === "nearest_train");
    const mark = kept.find((f) => f.mark !== null)?.mark ?? null;
    const marked = mark === true || (mark === null && kept.some((f) => f.kind !== "user_marked"));
    const noteInput = h("input", {
      attrs: { type: "text", placeholder: "why (optional)", "data-testid": "mark-note" },
    });
    noteInput.value = kept.find((f) => f.note)?.note ?? "";
    const status = h("span", { class: "status-text" });

    const setMark = async (value: boolean) => {
      try {
        const note = noteInput.value.trim();
        const updated = await api.markFailure(this.id, {
          epoch,
          seed,
          marked: value,
          ...(note ? { note } : {}),
        });
        this.show(updated);
        this.openSample(epoch, seed);
      } catch (error) {
        status.textContent = (error as Error).message;
        status.className = "status-text error";
      }
    };

    const sameSeed = h("div", {
      class: "seed-row",
      style: { "--w": String(size.width), "--h": String(size.height) },
    });
    for (const e of detail.sampleEpochs) {
      const figure = h(
        "figure",
        { class: e === epoch ? "current" : "" },
        sampleCell(detail, e, seed),
        h("figcaption", {}, String(e)),
      );
      figure.addEventListener("click", () => {
        this.setEpoch(e);
        this.openSample(e, seed);
      });
      sameSeed.append(figure);
    }

    replace(
      dialog,
      h(
        "div",
        { class: "ckpt-head" },
        h("h2", {}, `Seed ${seed} at epoch ${epoch}`),
        h(
          "button",
          { attrs: { "data-testid": "close-dialog" }, on: { click: () => dialog.close() } },
          "Close",
        ),
      ),
      h(
        "div",
        { class: "dialog-body" },
        h("img", {
          class: "pix big",
          attrs: {
            src: fileUrl(this.id, `samples/${epochName(epoch)}/${seedName(seed)}`),
            alt: `seed ${seed} at epoch ${epoch}`,
          },
        }),
        h(
          "dl",
          { class: "dialog-facts" },
          h("dt", {}, "realism (per-sample, Kynkäänniemi et al. 2019)"),
          h(
            "dd",
            {},
            realism
              ? fmt(realism.value, 3)
              : "not recorded: evaluation keeps per-sample values for its failure samples only",
          ),
          h("dt", {}, "nearest training image"),
          nearest?.trainImage
            ? h(
                "dd",
                {},
                h("img", {
                  class: "pix train",
                  attrs: { src: fileUrl(this.id, nearest.trainImage), alt: "nearest training image" },
                }),
                h("div", { class: "muted small" }, `distance ${fmt(nearest.value, 3)}`),
              )
            : h("dd", {}, "not recorded for this sample"),
          h("dt", {}, "failure"),
          h(
            "dd",
            {},
            kept.length > 0
              ? h(
                  "div",
                  {},
                  ...kept.map((f) =>
                    h(
                      "span",
                      { class: `badge ${f.kind === "user_marked" ? "user" : "warning"}` },
                      f.kind.replace("_", " "),
                    ),
                  ),
                )
              : null,
            h("div", {}, marked ? "kept as a failure sample" : "not marked"),
            noteInput,
            h(
              "div",
              { class: "form-actions" },
              marked
                ? h(
                    "button",
                    { attrs: { "data-testid": "unmark" }, on: { click: () => void setMark(false) } },
                    "Unmark",
                  )
                : h(
                    "button",
                    {
                      class: "primary",
                      attrs: { "data-testid": "mark" },
                      on: { click: () => void setMark(true) },
                    },
                    "Mark as failure",
                  ),
              status,
            ),
          ),
        ),
      ),
      h(
        "div",
        { class: "muted small", style: { "margin-top": "10px" } },
        "The same seed at every checkpoint (click one to switch):",
      ),
      sameSeed,
    );
    if (!dialog.open) dialog.showModal();
  }

  // ---- charts ----

  private async renderCharts(): Promise<void> {
    // a newer call (a live refresh during a save) supersedes this one
    const generation = ++this.chartGeneration;
    const { mountChart } = await import("./charts.ts");
    if (generation !== this.chartGeneration) return;
    const { detail } = this;

    const points: ScorePoint[] = detail.checkpoints.flatMap((c) =>
      c.scores
        ? [
            {
              epoch: c.epoch,
              quality: c.scores.quality,
              diversity: c.scores.diversity,
              status: c.verdict?.status,
            },
          ]
        : [],
    );
    const options = { focusEpoch: this.epoch, width: 360, height: 200 };
    const charts: { title: string; testid: string; spec: Parameters<typeof mountChart>[1] }[] = [];
    if (points.length > 0) {
      charts.push({
        title: "Quality and diversity per checkpoint (bootstrap intervals)",
        testid: "chart-scores",
        spec: scoresSpec(points, options),
      });
    }
    if (this.metrics && this.metrics.losses.length > 0) {
      charts.push({
        title: "Training losses",
        testid: "chart-losses",
        spec: lossesSpec(this.metrics.losses, options),
      });
    }
    if (points.length > 0) {
      const region = detail.rule.problem === null ? ruleRegion(detail.rule.rule) : undefined;
      charts.push({
        title: "Quality vs diversity (shaded: the rule's candidates)",
        testid: "chart-tradeoff",
        spec: tradeoffSpec(points, region, { focusEpoch: this.epoch, width: 240, height: 240 }),
      });
    }

    for (const chart of this.charts) chart.destroy();
    this.charts = [];
    if (charts.length === 0) {
      replace(this.el.charts, h("p", { class: "muted" }, "No scores or losses to chart yet."));
      return;
    }
    const boxes = charts.map((c) => h("div", { class: "chart", attrs: { "data-testid": c.testid } }));
    replace(
      this.el.charts,
      ...charts.map((c, i) => h("div", { class: "card" }, h("h3", {}, c.title), boxes[i]!)),
    );
    const pick = (epoch: number) => this.setEpoch(this.nearestEpoch(epoch), true);
    const mounted = await Promise.all(charts.map((c, i) => mountChart(boxes[i]!, c.spec, pick)));
    if (generation !== this.chartGeneration) {
      for (const chart of mounted) chart.destroy();
      return;
    }
    this.charts = mounted;
  }

  private nearestEpoch(epoch: number): number {
    const epochs = this.detail.checkpoints.map((c) => c.epoch);
    return epochs.reduce(
      (best, e) => (Math.abs(e - epoch) < Math.abs(best - epoch) ? e : best),
      epochs[0] ?? epoch,
    );
  }

  // ---- table ----

  private renderTable(): void {
    const { detail } = this;
    const lossKey = detail.checkpoints.flatMap((c) => Object.keys(c.losses))[0];
    const header = h(
      "tr",
      {},
      h("th", { class: "num" }, "epoch"),
      h("th", { class: "num" }, "step"),
      lossKey ? h("th", { class: "num" }, lossKey) : null,
      h("th", { class: "num" }, "quality"),
      h("th", { class: "num" }, "diversity"),
      h("th", {}, "rule"),
      h("th", {}, "flags"),
      h("th", {}, "notes"),
    );
    const rows = detail.checkpoints.map((c) => {
      const note = (field: "quality" | "diversity" | "failure") => {
        const user = c.user[field];
        const text = user ?? c.drafted[field];
        if (!text) return null;
        return h(
          "div",
          { title: text },
          h("b", {}, field),
          user !== undefined ? h("span", { class: "badge user" }, "yours") : null,
          text,
        );
      };
      return h(
        "tr",
        {
          class: `clickable ${c.epoch === this.epoch ? "current" : ""}`,
          attrs: { "data-epoch": c.epoch },
          on: { click: () => this.setEpoch(c.epoch, true) },
        },
        h("td", { class: "num" }, String(c.epoch)),
        h("td", { class: "num" }, c.step === null ? "–" : String(c.step)),
        lossKey ? h("td", { class: "num" }, fmt(c.losses[lossKey], 4)) : null,
        h(
          "td",
          { class: "num" },
          c.scores ? fmt(c.scores.quality.value) : "–",
          c.scores
            ? h("div", { class: "interval" }, `${fmt(c.scores.quality.low)}–${fmt(c.scores.quality.high)}`)
            : null,
        ),
        h(
          "td",
          { class: "num" },
          c.scores ? fmt(c.scores.diversity.value) : "–",
          c.scores
            ? h(
                "div",
                { class: "interval" },
                `${fmt(c.scores.diversity.low)}–${fmt(c.scores.diversity.high)}`,
              )
            : null,
        ),
        h(
          "td",
          { title: c.verdict?.reasons.join("\n") ?? "" },
          c.verdict ? statusBadge(c.verdict.status) : h("span", { class: "muted" }, "–"),
        ),
        h(
          "td",
          {},
          ...c.flags.map((f) =>
            h("span", { class: `badge ${f.severity}`, title: f.evidence }, f.kind.replace("_", " ")),
          ),
        ),
        h("td", { class: "notes-cell" }, note("quality"), note("diversity"), note("failure")),
      );
    });
    replace(
      this.el.table,
      h(
        "table",
        { attrs: { "data-testid": "checkpoint-table" } },
        h("thead", {}, header),
        h("tbody", {}, ...rows),
      ),
    );
  }

  // ---- rule editor ----

  private renderRule(): void {
    if (this.ruleDirty) return;
    const { rule } = this.detail;
    const r = rule.rule;
    const number = (name: string, value: number) =>
      h("input", {
        attrs: { type: "number", name, min: 0, max: 1, step: 0.01, value, "data-testid": `rule-${name}` },
      });
    const minQuality = number("minQuality", r.candidate.minQuality);
    const minDiversity = number("minDiversity", r.candidate.minDiversity);
    const floor = number("diversityFloor", r.selection.diversityFloor);
    const maximize = h(
      "select",
      { attrs: { name: "maximize" } },
      ...["quality", "diversity"].map((m) =>
        h("option", { attrs: { value: m, selected: m === r.selection.maximize } }, m),
      ),
    );
    const tieBreak = h("input", {
      class: "wide",
      attrs: { type: "text", name: "tieBreak", value: r.selection.tieBreak.join(", ") },
    });
    const status = h("span", { class: "status-text", attrs: { "data-testid": "rule-status" } });
    const submit = async (reset: boolean) => {
      status.textContent = "applying…";
      try {
        const detail = reset
          ? await api.resetRule(this.id)
          : await api.saveRule(this.id, {
              version: 1,
              candidate: { minQuality: Number(minQuality.value), minDiversity: Number(minDiversity.value) },
              selection: {
                diversityFloor: Number(floor.value),
                maximize: maximize.value,
                tieBreak: tieBreak.value
                  .split(",")
                  .map((s) => s.trim())
                  .filter((s) => s !== ""),
              },
            });
        this.ruleDirty = false;
        this.show(detail);
        await this.renderCharts();
      } catch (error) {
        status.textContent = (error as Error).message;
        status.className = "status-text error";
      }
    };
    replace(
      this.el.rule,
      h(
        "p",
        { class: "small", style: { "margin-top": "0" } },
        rule.description,
        h(
          "span",
          { class: "muted" },
          ` · rule ${rule.hash} · ${rule.source === "notes" ? "yours (review/notes.json)" : "the default"}`,
        ),
      ),
      h(
        "form",
        {
          class: "rule-form",
          on: {
            input: () => {
              this.ruleDirty = true;
            },
            submit: (event) => {
              event.preventDefault();
              void submit(false);
            },
          },
        },
        h("label", {}, "candidate: min quality"),
        minQuality,
        h("label", {}, "candidate: min diversity"),
        minDiversity,
        h("label", {}, "diversity floor (never select below)"),
        floor,
        h("label", {}, "select the highest"),
        maximize,
        h("label", {}, "ties broken by"),
        tieBreak,
        h(
          "div",
          { class: "form-actions wide" },
          h("button", { class: "primary", attrs: { type: "submit", "data-testid": "apply-rule" } }, "Apply"),
          h(
            "button",
            { attrs: { type: "button" }, on: { click: () => void submit(true) } },
            "Reset to default",
          ),
        ),
      ),
      status,
    );
  }

  // ---- failure gallery ----

  private renderGallery(): void {
    const { detail } = this;
    if (detail.failures.length === 0) {
      replace(
        this.el.gallery,
        h(
          "p",
          { class: "muted" },
          detail.evaluation
            ? "No failure samples kept or marked."
            : "Evaluate the run to keep failure samples, or mark samples yourself from the filmstrip.",
        ),
      );
      return;
    }
    const byEpoch = new Map<number, FailureItem[]>();
    for (const f of detail.failures) byEpoch.set(f.epoch, [...(byEpoch.get(f.epoch) ?? []), f]);
    const rows = [...byEpoch].map(([epoch, items]) =>
      h(
        "div",
        { class: "gallery-row" },
        h(
          "h3",
          {},
          h("button", { class: "link", on: { click: () => this.setEpoch(epoch, true) } }, `epoch ${epoch}`),
        ),
        h("div", { class: "gallery-cards" }, ...items.map((f) => this.failureCard(f))),
      ),
    );
    replace(this.el.gallery, ...rows);
  }

  private failureCard(f: FailureItem): HTMLElement {
    const unmarked = f.mark === false;
    const toggle =
      f.seed === null
        ? null
        : h(
            "button",
            {
              on: {
                click: async () => {
                  const detail = await api.markFailure(this.id, {
                    epoch: f.epoch,
                    seed: f.seed!,
                    marked: unmarked,
                  });
                  this.show(detail);
                },
              },
            },
            unmarked ? "mark again" : "unmark",
          );
    return h(
      "div",
      { class: `failure ${unmarked ? "unmarked" : ""}`, attrs: { "data-testid": "failure-card" } },
      h("img", {
        // below the fold: fetched when scrolled to, after the filmstrip
        attrs: { src: fileUrl(this.id, f.image), alt: `${f.kind} at epoch ${f.epoch}`, loading: "lazy" },
        on: { click: () => (f.seed === null ? undefined : this.openSample(f.epoch, f.seed)) },
      }),
      h(
        "span",
        { class: `badge ${f.kind === "user_marked" ? "user" : "warning"}` },
        f.kind.replace("_", " "),
      ),
      h(
        "div",
        {},
        f.seed === null ? "not a fixed seed" : `seed ${f.seed}`,
        f.value !== null ? ` · ${fmt(f.value, 3)}` : "",
      ),
      f.note ? h("div", { class: "muted" }, f.note) : null,
      unmarked ? h("div", { class: "muted" }, "unmarked by you") : null,
      toggle,
    );
  }
}
