using System.Text.Json;
using System.Text.Json.Serialization;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Assessment;

/// <summary>
/// A grade at an instant with its basis, as stored in <c>grade_point.result</c> and returned by the status endpoint:
/// the calculator's result shape plus the inputs with their time and source, and the stale or missing inputs.
/// </summary>
public sealed record GradePointDocument(
    Scale Scale,
    DateTimeOffset At,
    GradeResponse Result,
    IReadOnlyList<BasisResponse> Basis,
    IReadOnlyList<string> StaleOrMissing,
    IReadOnlyList<ReadingSource> Cause)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static GradePointDocument From(GradePoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return new GradePointDocument(
            point.Scale,
            point.At.ToUniversalTime(),
            GradeResponse.From(point.Result)!,
            [.. point.Basis.Select(b => new BasisResponse(b.Name, b.Value, b.At.ToUniversalTime(), $"{b.Source.ResourceType}/{b.Source.ResourceId}/_history/{b.Source.VersionId}", b.Stale))],
            point.StaleOrMissing,
            point.Cause);
    }

    public static GradePointDocument? Parse(string json) => JsonSerializer.Deserialize<GradePointDocument>(json, JsonOptions);
}

/// <summary>One input a grade used: its value, when it was true, the stored resource version it came from, whether stale.</summary>
public sealed record BasisResponse(string Name, string Value, DateTimeOffset At, string Source, bool Stale);
