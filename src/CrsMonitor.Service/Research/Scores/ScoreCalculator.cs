using System.Globalization;

namespace CrsMonitor.Service.Research.Scores;

/// <summary>
/// Computes the research scores of <see cref="ResearchScores"/> from a patient's laboratory results, in exact decimal
/// arithmetic. Pure: no SQL, no HTTP, no clock; every instant is passed in. An input is the latest result of its analyte
/// taken at or before the instant and at most the allowed age before it; a missing or older input, a censored one
/// (&lt;5 10*9/L: a bound, not a value) or a platelet count of 0 (the divisor) gives no score, with the reason naming
/// each input at fault. Nothing is ever guessed.
/// </summary>
public static class ScoreCalculator
{
    /// <summary>
    /// The score at <paramref name="at"/>, from inputs taken at most <paramref name="maxAge"/> before it (inclusive).
    /// <paramref name="window"/> says that window in the reason's words ("within 72 h before the dose").
    /// </summary>
    public static ScoreResult At(ScoreDefinition score, LabHistory labs, DateTimeOffset at, TimeSpan maxAge, string window)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(labs);
        var inputs = new List<ScoreInput>();
        var reasons = new List<string>();
        decimal product = 1, divisor = 1;
        foreach (var term in score.Terms)
        {
            var latest = labs.LatestAtOrBefore(term.Analyte, at);
            if (latest is null || at - latest.EffectiveAt > maxAge)
            {
                reasons.Add(latest is null
                    ? $"no {term.Name} within {window}"
                    : $"no {term.Name} within {window} (the last, {latest.OriginalValue}, was taken at {Time(latest.EffectiveAt)})");
                continue;
            }

            if (latest.Value is not { } canonical)
            {
                reasons.Add($"{term.Name} {latest.OriginalValue} at {Time(latest.EffectiveAt)} is censored (a bound, not a value)");
                continue;
            }

            var value = term.InFormulaUnit(canonical);
            if (term.Divisor && value == 0)
            {
                reasons.Add($"{term.Name} {latest.OriginalValue} at {Time(latest.EffectiveAt)} is 0, and {score.Name} divides by it");
                inputs.Add(new ScoreInput(term.Analyte, value, term.Unit, latest.EffectiveAt));
                continue;
            }

            inputs.Add(new ScoreInput(term.Analyte, value, term.Unit, latest.EffectiveAt));
            if (term.Divisor)
            {
                divisor *= value;
            }
            else
            {
                product *= value;
            }
        }

        return reasons.Count > 0
            ? new ScoreResult(null, string.Join("; ", reasons), inputs)
            : new ScoreResult(product / divisor, null, inputs);
    }

    /// <summary>The score at the infusion start of each dose, from inputs taken at most <paramref name="lookback"/> before it.</summary>
    public static IReadOnlyList<PreDoseScore> PreDose(ScoreDefinition score, LabHistory labs, IEnumerable<ScoreDose> doses, TimeSpan lookback)
    {
        ArgumentNullException.ThrowIfNull(doses);
        return [.. doses.OrderBy(d => d.StartedAt).ThenBy(d => d.Id, StringComparer.Ordinal)
            .Select(d => new PreDoseScore(d, At(score, labs, d.StartedAt, lookback, $"{Hours(lookback)} before the dose")))];
    }

    /// <summary>
    /// The score over time: one point per instant at which any of its inputs was taken, where all are present, fresh
    /// (at most <paramref name="maxAge"/> old) and usable; instants without a score are left out.
    /// </summary>
    public static IReadOnlyList<SeriesPoint> Series(ScoreDefinition score, LabHistory labs, TimeSpan maxAge)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(labs);
        var instants = score.Terms.SelectMany(t => labs.Of(t.Analyte)).Select(r => r.EffectiveAt).Distinct().Order();
        var points = new List<SeriesPoint>();
        foreach (var at in instants)
        {
            var result = At(score, labs, at, maxAge, $"{Hours(maxAge)} before {Time(at)}");
            if (result.Value is { } value)
            {
                points.Add(new SeriesPoint(at, value, result.Inputs));
            }
        }

        return points;
    }

    /// <summary>Both views of one score for one patient.</summary>
    public static ScoreReport Report(ScoreDefinition score, LabHistory labs, IEnumerable<ScoreDose> doses, TimeSpan maxAge, TimeSpan preDoseLookback) =>
        new(score, PreDose(score, labs, doses, preDoseLookback), Series(score, labs, maxAge));

    private static string Hours(TimeSpan period) =>
        period.Ticks % TimeSpan.TicksPerHour == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)period.TotalHours} h")
            : string.Create(CultureInfo.InvariantCulture, $"{period.TotalMinutes} min");

    private static string Time(DateTimeOffset at) =>
        at.UtcDateTime.ToString(at.UtcTicks % TimeSpan.TicksPerMinute == 0 ? "yyyy-MM-dd'T'HH:mm'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
