/** Plots, report and regression check (issue 9): the API bench/cli.ts uses. */
export { renderPlots, specToSvg, svgToPng, defaultOutDir, type RenderOptions, type RenderResult, type RenderedFigure } from './render';
export { buildReport, type ReportOptions, type ReportResult } from './report';
export {
  checkAgainstGolden,
  updateGolden,
  compareCells,
  readGolden,
  parseGolden,
  formatGolden,
  formatCheckTable,
  goldenCommandFor,
  rerunGolden,
  DEFAULT_TOLERANCE,
  type CheckOptions,
  type CheckResult,
  type UpdateOptions,
  type UpdateResult,
  type Tolerance,
} from './check';
export { plotCommand, checkCommand, type PlotCommandArgs, type CheckCommandArgs } from './commands';
export { buildFigures, specOf, METRIC_AXES, type Figure, type FigureSet } from './specs/figures';
export { SCHEME_STYLES, schemeLabel, stylesFor } from './schemes';
export { escapeHtml, jsonForScript } from './html';
