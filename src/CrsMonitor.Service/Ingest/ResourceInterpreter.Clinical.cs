using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace CrsMonitor.Service.Ingest;

/// <summary>Neuro checks (QuestionnaireResponse) and drugs (MedicationAdministration).</summary>
internal sealed partial class ResourceInterpreter
{
    private static readonly MedicationAdministration.MedicationAdministrationStatusCodes[] GivenStatuses =
    [
        MedicationAdministration.MedicationAdministrationStatusCodes.InProgress,
        MedicationAdministration.MedicationAdministrationStatusCodes.OnHold,
        MedicationAdministration.MedicationAdministrationStatusCodes.Completed,
        MedicationAdministration.MedicationAdministrationStatusCodes.Stopped,
    ];

    private void NeuroCheckResponse(QuestionnaireResponse q, Findings f)
    {
        References.Check(q.Subject, "Patient", ".subject", f, "the Patient who was assessed");
        var neuro = data.NeuroCheck;
        var canonical = q.Questionnaire?.Split('|')[0];
        if (canonical != neuro.Url)
        {
            f.Warning(".questionnaire", $"('{Show(q.Questionnaire)}') is not a questionnaire CrsMonitor understands ({neuro.Url}): stored, not used for grading");
            return;
        }

        var authored = Authored(q, f, "neuro check", "done", required: true);

        var answers = new NeuroAnswers(neuro, f);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < q.Item.Count; i++)
        {
            var item = q.Item[i];
            var relative = $".item[{i}]";
            if (neuro.Item(item.LinkId) is not { } definition)
            {
                f.Error($"{relative}.linkId", $"'{Show(item.LinkId)}' is not an item of {neuro.Url} ({string.Join(", ", neuro.Items.Select(x => x.LinkId))})",
                    OperationOutcome.IssueType.CodeInvalid);
                continue;
            }

            if (item.Answer.Count > 0)
            {
                answers.Given(definition);
            }

            if (!seen.Add(definition.LinkId))
            {
                f.Error($"{relative}.linkId", $"'{definition.LinkId}' is given twice: answer each item once (a repeating item takes several answers)");
                continue;
            }

            if (item.Item.Count > 0)
            {
                f.Error($"{relative}.item", "must be absent: neuro-check items have no nested items");
            }

            if (item.Answer.Count > 1 && !definition.Repeats)
            {
                f.Error($"{relative}.answer", $"has {item.Answer.Count} answers but {definition.LinkId} takes one");
                continue;
            }

            for (var j = 0; j < item.Answer.Count; j++)
            {
                var answer = item.Answer[j];
                if (answer.Item.Count > 0)
                {
                    f.Error($"{relative}.answer[{j}].item", "must be absent: neuro-check answers have no nested items");
                }

                answers.Add(definition, answer.Value, $"{relative}.answer[{j}]", relative);
            }
        }

        var detail = answers.Finish(".item");
        switch (q.Status)
        {
            case QuestionnaireResponse.QuestionnaireResponseStatus.Completed
                or QuestionnaireResponse.QuestionnaireResponseStatus.Amended:
                if (detail is not null && authored is { } at)
                {
                    Emit(f, [new ReadingDraft(ReadingKind.NeuroCheck) { Detail = detail }], at);
                }

                break;
            case QuestionnaireResponse.QuestionnaireResponseStatus.InProgress
                or QuestionnaireResponse.QuestionnaireResponseStatus.Stopped:
                f.Warning(".status", $"is '{q.Status.GetLiteral()}': stored, not used for grading until completed");
                break;
            case null:
                f.Error(".status", "is required", OperationOutcome.IssueType.Required);
                break;
            default:
                // entered-in-error: kept, retracts the reading.
                break;
        }
    }

    private void MedicationRules(MedicationAdministration m, Findings f)
    {
        References.Check(m.Subject, "Patient", ".subject", f, "the Patient who received it");
        var status = m.Status;
        if (status is null)
        {
            f.Error(".status", "is required", OperationOutcome.IssueType.Required);
        }

        var time = ReadEffective(m.Effective, "effective", f, required: true, "when it was given");
        if (m.Effective is Period { End: null } && status is MedicationAdministration.MedicationAdministrationStatusCodes.Completed
            or MedicationAdministration.MedicationAdministrationStatusCodes.Stopped)
        {
            f.Error(".effectivePeriod.end", $"is required when status is '{m.Status.GetLiteral()}': the administration has ended", OperationOutcome.IssueType.Required);
            time = null;
        }

        var drug = m.Medication switch
        {
            CodeableConcept concept => Drug(concept, f),
            ResourceReference => Unknown(f, ".medicationReference",
                $"cannot be resolved here: send medicationCodeableConcept with an RxNorm ingredient code or a code of {data.Drugs.CrsmonitorSystem}; stored, not used for grading"),
            _ => null,
        };

        if (status is MedicationAdministration.MedicationAdministrationStatusCodes.Unknown)
        {
            f.Warning(".status", "is 'unknown': stored, not used for grading");
        }

        // not-done and entered-in-error: kept, no reading.
        if (drug is null || time is not { } t || status is not { } given || !GivenStatuses.Contains(given))
        {
            return;
        }

        // A dose at an instant starts and ends then; an infusion runs over its period, and while in progress has no end.
        var end = m.Effective is Period ? t.End
            : given == MedicationAdministration.MedicationAdministrationStatusCodes.InProgress ? null
            : t.Start;
        var draft = new ReadingDraft(ReadingKind.Medication) { Code = drug.Key, Qualifier = drug.Class, OriginalValue = DoseText(m.Dosage) };
        Emit(f, [draft], t.Start, end);
    }

    private static DrugEntry? Unknown(Findings f, string relative, string text)
    {
        f.Warning(relative, text);
        return null;
    }

    /// <summary>The drug of a medicationCodeableConcept by the drug map (RxNorm ingredient or crsmonitor code).</summary>
    private DrugEntry? Drug(CodeableConcept concept, Findings f)
    {
        var drugs = data.Drugs;
        var errors = f.Errors.Count;
        var found = new List<DrugEntry>();
        for (var k = 0; k < concept.Coding.Count; k++)
        {
            var coding = concept.Coding[k];
            if (coding.System is null || coding.Code is null)
            {
                continue;
            }

            if (coding.System == drugs.CrsmonitorSystem && !drugs.CrsmonitorCodes.Contains(coding.Code))
            {
                f.Error($".medicationCodeableConcept.coding[{k}].code",
                    $"'{Show(coding.Code)}' is not a code of {drugs.CrsmonitorSystem} ({string.Join(", ", drugs.CrsmonitorCodes)})", OperationOutcome.IssueType.CodeInvalid);
            }
            else if (drugs.ByCode.TryGetValue((coding.System, coding.Code), out var entry))
            {
                found.Add(entry);
            }
        }

        var distinct = found.Distinct().ToList();
        if (distinct.Count > 1)
        {
            f.Error(".medicationCodeableConcept", $"names different drugs ({string.Join(", ", distinct.Select(d => d.Key))}): one administration is one drug");
            return null;
        }

        if (distinct.Count == 0)
        {
            return f.Errors.Count > errors ? null : Unknown(f, ".medicationCodeableConcept",
                "names no drug CrsMonitor knows (RxNorm ingredient codes and crsmonitor medication codes of drug-map.json): stored, not used for grading");
        }

        return distinct[0];
    }

    /// <summary>The dose (or rate) as given, for the basis a clinician reads.</summary>
    private static string? DoseText(MedicationAdministration.DosageComponent? dosage)
    {
        static string? Text(Quantity? q) => q?.Value is { } v ? $"{Number(v)} {q.Code ?? q.Unit}".TrimEnd() : null;
        return dosage switch
        {
            { Dose: { } dose } => Text(dose),
            { Rate: Quantity rate } => Text(rate),
            { Rate: Ratio { Numerator: { } n, Denominator: { } d } } => $"{Text(n)}/{Text(d)}",
            _ => null,
        };
    }

    /// <summary>
    /// <c>QuestionnaireResponse.authored</c> as an instant (a neuro check, a home check-in); a date without a time of day,
    /// or none when <paramref name="required"/>, is an error naming the element and saying what the time is of.
    /// </summary>
    private static DateTimeOffset? Authored(QuestionnaireResponse q, Findings f, string what, string verb, bool required)
    {
        switch (FhirTime.Read(q.Authored))
        {
            case { Kind: TimeKind.Instant } at:
                return at.At;
            case { Kind: TimeKind.DateOnly }:
                f.Error(".authored", $"'{q.Authored}' has no time of day: a {what} needs the time it was {verb}, with its UTC offset");
                return null;
            default:
                if (q.Authored is null && required)
                {
                    f.Error(".authored", $"is required: the time of the {what}, with its UTC offset", OperationOutcome.IssueType.Required);
                }

                return null;
        }
    }
}
