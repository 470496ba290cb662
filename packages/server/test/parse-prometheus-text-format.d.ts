/** Types of `parse-prometheus-text-format` (a test-only dependency that ships none). */
declare module 'parse-prometheus-text-format' {
  /** One metric family: samples with their labels; histograms as `{buckets: {le: count}, count, sum}`. */
  interface MetricFamily {
    name: string;
    help: string;
    /** COUNTER, GAUGE, HISTOGRAM, SUMMARY or UNTYPED. */
    type: string;
    metrics: Array<Record<string, unknown>>;
  }
  /** Parses Prometheus text format 0.0.4; throws `InvalidLineError` on a malformed line. */
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
