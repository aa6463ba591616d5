using System.Globalization;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// Reads one parsed resource the way the ingester understands it (api-contract.md, "What the ingester understands"):
/// checks our rules beyond the parser and derives the readings, in one pass, so that <see cref="IngestRules"/> and
/// <see cref="Normaliser"/> can never disagree. All codes, units, ranges and maps come from <see cref="IngestData"/>.
/// </summary>
internal sealed partial class ResourceInterpreter(IngestData data)
{
    private ObservationTable Codes => data.Observations;

    /// <summary>
    /// The findings of <paramref name="resource"/>, paths under <paramref name="prefix"/>. <c>urn:uuid:</c> references
    /// are accepted when the prefix is a Bundle entry's, or when <paramref name="entryReferencesAllowed"/>.
    /// </summary>
    public Findings Interpret(Resource resource, string prefix, bool entryReferencesAllowed = false)
    {
        var f = new Findings(prefix, entryReferencesAllowed || prefix.StartsWith("Bundle.", StringComparison.Ordinal));
        DateTimeOffsets.Check(resource, string.Empty, f);
        switch (resource)
        {
            case Observation observation:
                var before = f.Readings.Count;
                ObservationRules(observation, f);
                MarkReported(observation, f, before);
                break;
            case MedicationStatement statement:
                MedicationStatementRules(statement, f);
                break;
            case MedicationAdministration administration:
                MedicationRules(administration, f);
                break;
            case QuestionnaireResponse response when HomeCheckIn.Is(response.Questionnaire):
                HomeCheckInResponse(response, f);
                break;
            case QuestionnaireResponse response:
                NeuroCheckResponse(response, f);
                break;
            case Encounter encounter:
                References.Check(encounter.Subject, "Patient", ".subject", f, "the Patient of this stay");
                for (var i = 0; i < encounter.Location.Count; i++)
                {
                    References.Check(encounter.Location[i].Location, "Location", $".location[{i}].location", f, "the ward (its id is the unit id)");
                }

                break;
            case Patient patient:
                // The parser checked the literal; a year or year-month is valid FHIR but gives no age in days.
                if (patient.BirthDate is { Length: not 10 } birthDate)
                {
                    f.Warning(".birthDate", $"'{birthDate}' is not a full date (yyyy-mm-dd): grading that depends on age cannot use it");
                }

                break;
            default:
                // Location and any other type: the parser's checks are all there is.
                break;
        }

        return f;
    }

    /// <summary>
    /// The time of an Observation or administration: an instant (with offset), or a period with a start. A date
    /// without a time of day is kept but cannot place a reading (warning); a missing time is an error.
    /// </summary>
    private static (DateTimeOffset Start, DateTimeOffset? End)? ReadEffective(DataType? effective, string name, Findings f, bool required, string what)
    {
        switch (effective)
        {
            case null:
                if (required)
                {
                    f.Error($".{name}[x]", $"is required: {what}, as {name}DateTime with a time of day and UTC offset (or {name}Period)", OperationOutcome.IssueType.Required);
                }

                return null;
            case FhirDateTime dateTime:
                var at = FhirTime.Read(dateTime.Value);
                if (at.Kind == TimeKind.DateOnly)
                {
                    f.Warning($".{name}[x]", "has no time of day: stored, not used for grading");
                }

                return at.Kind == TimeKind.Instant ? (at.At, null) : null;
            case Instant instant when instant.Value is { } value:
                return (value.ToUniversalTime(), null);
            case Period period:
                var start = FhirTime.Read(period.Start);
                var end = period.End is null ? (TimeValue?)null : FhirTime.Read(period.End);
                if (period.Start is null)
                {
                    f.Error($".{name}Period.start", "is required: when it began", OperationOutcome.IssueType.Required);
                    return null;
                }

                if (start.Kind == TimeKind.DateOnly || end?.Kind == TimeKind.DateOnly)
                {
                    f.Warning($".{name}[x]", "has no time of day: stored, not used for grading");
                    return null;
                }

                if (start.Kind != TimeKind.Instant || end is { Kind: not TimeKind.Instant })
                {
                    return null;
                }

                if (end is { } e && e.At < start.At)
                {
                    f.Error($".{name}Period.end", $"({period.End}) is before {name}Period.start ({period.Start})");
                    return null;
                }

                return (start.At, end?.At);
            default:
                f.Error($".{name}{Suffix(effective)}", $"is not supported: send {name}DateTime (or {name}Period)", OperationOutcome.IssueType.NotSupported);
                return null;
        }
    }

    /// <summary>The JSON suffix of a choice value's type: Quantity, CodeableConcept, String, DateTime, ...</summary>
    private static string Suffix(DataType value) => char.ToUpperInvariant(value.TypeName[0]) + value.TypeName[1..];

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Show(string? text) => text is null ? "(none)" : text.Length <= 80 ? text : text[..80] + "...";

    private static void Emit(Findings f, IEnumerable<ReadingDraft> drafts, DateTimeOffset at, DateTimeOffset? end = null)
    {
        foreach (var draft in drafts)
        {
            f.Readings.Add(draft with { EffectiveAt = at, EndAt = end });
        }
    }
}
