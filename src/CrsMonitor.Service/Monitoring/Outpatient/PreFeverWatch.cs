using System.Data.Common;
using System.Text.Json.Serialization;
using CrsMonitor.Service.Monitoring.Schedule;
using Microsoft.Extensions.Options;

namespace CrsMonitor.Service.Monitoring.Outpatient;

/// <summary>
/// The pre-fever watch (issue 17 item 3), kept apart from the ASTCT grade: per open window, a temperature rise above the
/// patient's own baseline (<see cref="PreFeverWatchSettings"/>) raises a watch, a state on the status and census; never
/// a grade, never an alert (grading-rules.md section 7: only what a nurse must act on now interrupts, and fever itself
/// is graded and alerted by the ASTCT rules). It records the first breach (the first reading of the first sustained run
/// above the threshold), the instant the run became sustained (raised), and the first fever (≥ 38.0 °C) charted in the
/// window, so the lead time of the watch over the fever is a stored fact.
/// <para>
/// Runs inside the patient pass (<see cref="Assessment.PatientWork"/>) under the patient's lock with bounded reads: the
/// baseline period once (then its mean, SD and threshold are stored), and afterwards only the temperatures charted after
/// the last one scanned; a changed reading at or before that instant (a late, corrected or retracted one) rescans the
/// window from its scan start. Rows in <c>pre_fever_watch</c> (migration 0014), so a restart loses nothing.
/// </para>
/// </summary>
public sealed class PreFeverWatch(IOptions<PreFeverWatchSettings> options)
{
    /// <summary>ASTCT fever (CRS-FEVER): ≥ 38.0 °C.</summary>
    public const decimal FeverCelsius = 38.0m;

    private readonly PreFeverWatchSettings settings = options.Value;

    public async Task RunAsync(
        DbConnection c, DbTransaction tx, string patientId, MonitoringState state, DateTimeOffset? readingsFrom, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(state);
        var open = state.Windows.Where(w => w.State == WindowState.Open && w.OpensAt <= now).ToList();
        if (open.Count == 0)
        {
            return;
        }

        var rows = (await OutpatientStore.WatchesAsync(c, tx, patientId, ct).ConfigureAwait(false)).ToDictionary(r => r.WindowId, StringComparer.Ordinal);
        foreach (var window in open)
        {
            var isNew = !rows.TryGetValue(window.Id, out var row);
            row ??= new WatchRow { WindowId = window.Id, PatientId = patientId };
            var before = row.Copy();
            var doseStart = state.Doses.FirstOrDefault(d => d.Id == window.DoseId)?.StartedAt;
            if (row.Threshold is null)
            {
                await TryBaselineAsync(c, tx, row, window, doseStart ?? window.OpensAt, now, ct).ConfigureAwait(false);
            }

            if (row.Threshold is { } threshold && row.ScanFrom is { } scanFrom)
            {
                if (readingsFrom is { } changed && row.ScannedUntil is { } scanned && changed <= scanned)
                {
                    Reset(row); // a late, corrected or retracted temperature inside what was scanned: scan the window again
                }

                var readings = row.ScannedUntil is { } after
                    ? await OutpatientStore.TemperaturesAfterAsync(c, tx, patientId, after, window.EndsAt, ct).ConfigureAwait(false)
                    : await OutpatientStore.TemperaturesAsync(c, tx, patientId, scanFrom, window.EndsAt, ct).ConfigureAwait(false);
                Scan(row, threshold, readings, settings);
            }

            row.UpdatedAt = now;
            if (isNew)
            {
                await OutpatientStore.InsertWatchAsync(c, tx, row, ct).ConfigureAwait(false);
            }
            else if (!row.SameAs(before))
            {
                await OutpatientStore.UpdateWatchAsync(c, tx, row, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The baseline, once: the temperatures of the hours before the dose; else, once the window has run that long, of its
    /// first minutes (breaches are then looked for after them). Too few readings: tried again at the next pass.
    /// </summary>
    private async Task TryBaselineAsync(DbConnection c, DbTransaction tx, WatchRow row, WindowRow window, DateTimeOffset anchor, DateTimeOffset now, CancellationToken ct)
    {
        var from = anchor - TimeSpan.FromHours(settings.BaselineHoursBeforeDose);
        var before = await OutpatientStore.TemperaturesAsync(c, tx, row.PatientId, from, anchor, ct).ConfigureAwait(false);
        if (Baseline.Of(before, settings) is { } b)
        {
            Establish(row, b, "before-dose", from, anchor, window.OpensAt);
            return;
        }

        row.BaselineCount = before.Count;
        if (settings.BaselineMinutesIntoWindow == 0)
        {
            return;
        }

        var end = window.OpensAt + TimeSpan.FromMinutes(settings.BaselineMinutesIntoWindow);
        if (now < end)
        {
            return;
        }

        var early = await OutpatientStore.TemperaturesAsync(c, tx, row.PatientId, window.OpensAt, end, ct).ConfigureAwait(false);
        if (Baseline.Of(early, settings) is { } w)
        {
            Establish(row, w, "window-start", window.OpensAt, end, end);
        }
        else
        {
            row.BaselineCount = Math.Max(before.Count, early.Count);
        }
    }

    private static void Establish(WatchRow row, Baseline b, string source, DateTimeOffset from, DateTimeOffset to, DateTimeOffset scanFrom)
    {
        row.BaselineSource = source;
        row.BaselineFrom = from;
        row.BaselineTo = to;
        row.BaselineCount = b.Count;
        row.BaselineMean = decimal.Round(b.Mean, 6);
        row.BaselineSd = decimal.Round(b.Sd, 6);
        row.Threshold = b.Threshold;
        row.ScanFrom = scanFrom;
        Reset(row);
    }

    private static void Reset(WatchRow row)
    {
        row.ScannedUntil = null;
        row.RunStartAt = null;
        row.RunCount = 0;
        row.FirstBreachAt = null;
        row.RaisedAt = null;
        row.FeverAt = null;
    }

    /// <summary>Applies temperatures (in time order, after those already scanned) to the watch: fever, the run above the threshold, the raise.</summary>
    public static void Scan(WatchRow row, decimal threshold, IEnumerable<TemperatureRow> readings, PreFeverWatchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var r in readings)
        {
            if (r.Value >= FeverCelsius && row.FeverAt is null)
            {
                row.FeverAt = r.At;
            }

            if (r.Value > threshold)
            {
                if (row.RunCount == 0)
                {
                    row.RunStartAt = r.At;
                }

                row.RunCount++;
                if (row.RaisedAt is null && Sustained(row.RunCount, row.RunStartAt!.Value, r.At, settings))
                {
                    row.RaisedAt = r.At;
                    row.FirstBreachAt = row.RunStartAt;
                }
            }
            else
            {
                row.RunCount = 0;
                row.RunStartAt = null;
            }

            row.ScannedUntil = r.At;
        }
    }

    private static bool Sustained(int count, DateTimeOffset start, DateTimeOffset last, PreFeverWatchSettings settings) =>
        count >= settings.SustainedReadings && last - start >= TimeSpan.FromMinutes(settings.SustainedMinutes);

    /// <summary>
    /// The watch's state: <c>no-baseline</c> (too few temperatures yet), <c>watching</c>, <c>raised</c> (a sustained
    /// run above the threshold now), <c>subsided</c> (raised earlier, not now), <c>fever</c> (fever charted in the
    /// window: the ASTCT grade speaks from here).
    /// </summary>
    public static WatchState StateOf(WatchRow row, PreFeverWatchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(settings);
        if (row.Threshold is null)
        {
            return WatchState.NoBaseline;
        }

        if (row.FeverAt is not null)
        {
            return WatchState.Fever;
        }

        var sustainedNow = row.RunCount > 0 && row.RunStartAt is { } start && row.ScannedUntil is { } last && Sustained(row.RunCount, start, last, settings);
        return sustainedNow ? WatchState.Raised : row.RaisedAt is not null ? WatchState.Subsided : WatchState.Watching;
    }
}

/// <summary>A pre-fever watch's state (<see cref="PreFeverWatch.StateOf"/>); JSON writes its word (<c>no-baseline</c>, ...).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WatchState>))]
public enum WatchState
{
    [JsonStringEnumMemberName("no-baseline")]
    NoBaseline,

    [JsonStringEnumMemberName("watching")]
    Watching,

    [JsonStringEnumMemberName("raised")]
    Raised,

    [JsonStringEnumMemberName("subsided")]
    Subsided,

    [JsonStringEnumMemberName("fever")]
    Fever,
}

/// <summary>A baseline: the mean and sample SD of the readings, and the threshold mean + max(k·SD, minimum rise), rounded up to 0.001 °C.</summary>
public sealed record Baseline(int Count, decimal Mean, decimal Sd, decimal Threshold)
{
    public static Baseline? Of(IReadOnlyList<TemperatureRow> readings, PreFeverWatchSettings settings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        ArgumentNullException.ThrowIfNull(settings);
        if (readings.Count < settings.MinimumBaselineReadings || readings.Count < 2)
        {
            return null;
        }

        var mean = readings.Sum(r => r.Value) / readings.Count;
        var variance = readings.Sum(r => (r.Value - mean) * (r.Value - mean)) / (readings.Count - 1);
        var sd = (decimal)Math.Sqrt((double)variance);
        var rise = Math.Max(settings.SdMultiplier * sd, settings.MinimumRiseCelsius);
        var threshold = Math.Ceiling((mean + rise) * 1000m) / 1000m;
        return new Baseline(readings.Count, mean, sd, threshold);
    }
}
