using System.Text.Json;
using CrsMonitor.Grading.Icans;

namespace CrsMonitor.Service.Readings;

/// <summary>
/// A reading's structured detail: the JSON the store keeps (<c>reading.detail</c>) and what it says, read once per loaded
/// reading: a neuro check's items as the ICANS calculator reads them (<see cref="NeuroCheck"/>), the symptoms a home
/// check-in reported (<see cref="Symptoms"/>). Grading, monitoring, the alert rules and the research views read these,
/// never the text. Two details are equal when their text is.
/// </summary>
public sealed class ReadingDetail : IEquatable<ReadingDetail>
{
    /// <summary>What <see cref="NeuroCheck"/> keeps once read when the detail is not a valid neuro check.</summary>
    private static readonly object NotANeuroCheck = new();

    private object? neuroCheck;

    private ReadingDetail(string json) => Json = json;

    /// <summary>The detail as stored: a JSON object (neuro check) or array (reported symptoms).</summary>
    public string Json { get; }

    /// <summary>
    /// A neuro check's items (the calculator's <c>icans</c> field names), read with the calculator's rules the first time
    /// they are asked for; null when the detail is not a valid neuro check (grading says so in its gaps).
    /// </summary>
    public IcansInput? NeuroCheck
    {
        get
        {
            var read = Volatile.Read(ref neuroCheck);
            if (read is null)
            {
                read = (object?)Assessment.IcansRequestReader.ReadDetail(Json, ageYears: null) ?? NotANeuroCheck;
                Volatile.Write(ref neuroCheck, read);
            }

            return read as IcansInput;
        }
    }

    /// <summary>
    /// The symptom keys a home check-in reported (<see cref="ReadingKind.ReportedSymptom"/>: ingest writes them as a JSON
    /// array). Anything else throws: a report whose symptoms cannot be read must not pass as one without any.
    /// </summary>
    public IReadOnlyList<string> Symptoms => JsonSerializer.Deserialize<string[]>(Json) ?? [];

    /// <summary>The detail of <paramref name="json"/>; null for none.</summary>
    public static ReadingDetail? Of(string? json) => json is null ? null : new ReadingDetail(json);

    public bool Equals(ReadingDetail? other) => other is not null && string.Equals(Json, other.Json, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is ReadingDetail other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Json);

    public override string ToString() => Json;
}
