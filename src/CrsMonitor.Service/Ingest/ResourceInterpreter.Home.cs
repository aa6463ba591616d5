using System.Text.Json;
using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// What patients and caregivers report (issue 17): medicines taken at home (MedicationStatement), a temperature they
/// took (an Observation whose performer is the Patient or a RelatedPerson) and the home check-in's symptoms
/// (QuestionnaireResponse of <see cref="HomeCheckIn.Url"/>). Each reading carries <see cref="Reading.ReportedBy"/>.
/// </summary>
internal sealed partial class ResourceInterpreter
{
    /// <summary>Drug classes a statement of home medication puts in the medication context (CRS-MASK, CRS-PREMED, CRS-AFEBRILE).</summary>
    private static readonly string[] HomeClasses = ["corticosteroid", "antipyretic"];

    /// <summary><c>patient</c> for a Patient reference, <c>caregiver</c> for a RelatedPerson, else null (by literal or by <c>type</c>).</summary>
    internal static string? Reporter(ResourceReference? reference)
    {
        if (reference is null)
        {
            return null;
        }

        var type = reference.Type ?? reference.Reference?.Split('/')[0];
        return type switch
        {
            "Patient" => ReportedBy.Patient,
            "RelatedPerson" => ReportedBy.Caregiver,
            _ => null,
        };
    }

    /// <summary>An Observation performed by the Patient or a RelatedPerson: its readings are reported (the first such performer decides).</summary>
    private static void MarkReported(Observation o, Findings f, int from)
    {
        var reporter = o.Performer.Select(Reporter).FirstOrDefault(r => r is not null);
        if (reporter is null)
        {
            return;
        }

        for (var i = from; i < f.Readings.Count; i++)
        {
            f.Readings[i] = f.Readings[i] with { ReportedBy = reporter };
        }
    }

    /// <summary>
    /// A MedicationStatement: a medicine the patient took at home, as the patient or a caregiver says. Status
    /// <c>completed</c> or <c>active</c> with a time (effective[x]) is a Medication reading marked reported;
    /// <c>intended</c>, <c>not-taken</c>, <c>on-hold</c>, <c>stopped</c> and <c>unknown</c> are stored with a warning;
    /// <c>entered-in-error</c> retracts. informationSource is required: the Patient or a RelatedPerson. A protocol drug
    /// is refused (a dose is a MedicationAdministration by the unit that gave it).
    /// </summary>
    private void MedicationStatementRules(MedicationStatement m, Findings f)
    {
        References.Check(m.Subject, "Patient", ".subject", f, "the Patient who took it");
        var status = m.Status;
        if (status is null)
        {
            f.Error(".status", "is required", OperationOutcome.IssueType.Required);
        }

        var retracts = status is MedicationStatement.MedicationStatusCodes.EnteredInError;
        var reporter = Reporter(m.InformationSource);
        if (m.InformationSource is null && !retracts)
        {
            f.Error(".informationSource", "is required: who reports it, the Patient ({\"reference\": \"Patient/<id>\"}) or a caregiver ({\"type\": \"RelatedPerson\"})",
                OperationOutcome.IssueType.Required);
        }
        else if (m.InformationSource is not null && reporter is null)
        {
            f.Error(".informationSource", "must be the Patient or a RelatedPerson (a caregiver): a medicine given by the care team is a MedicationAdministration");
        }
        else if (reporter == ReportedBy.Patient && m.InformationSource?.Reference is { } self && m.Subject?.Reference is { } subject && self != subject)
        {
            f.Error(".informationSource.reference", $"('{Show(self)}') must be the subject ({Show(subject)}): another patient cannot report this patient's medicines");
        }

        var time = ReadEffective(m.Effective, "effective", f, required: !retracts, "when it was taken");
        var drug = m.Medication switch
        {
            CodeableConcept concept => Drug(concept, f),
            ResourceReference => Unknown(f, ".medicationReference",
                $"cannot be resolved here: send medicationCodeableConcept with an RxNorm ingredient code or a code of {data.Drugs.CrsmonitorSystem}; stored, not used for grading"),
            _ => null,
        };

        if (drug is { Class: "protocol-drug" })
        {
            f.Error(".medicationCodeableConcept", $"names {drug.Key}, a protocol drug: a dose is given by the unit and recorded as a MedicationAdministration, never reported from home",
                OperationOutcome.IssueType.BusinessRule);
            return;
        }

        if (drug is not null && !HomeClasses.Contains(drug.Class))
        {
            f.Warning(".medicationCodeableConcept", $"names {drug.Key} ({drug.Class}): only a corticosteroid or an antipyretic taken at home enters the medication context; stored, not used for grading");
            return;
        }

        switch (status)
        {
            case MedicationStatement.MedicationStatusCodes.Completed or MedicationStatement.MedicationStatusCodes.Active:
                break;
            case null or MedicationStatement.MedicationStatusCodes.EnteredInError:
                return;
            default:
                f.Warning(".status", $"is '{status.GetLiteral()}': stored, not used for grading (completed or active with a time: taken)");
                return;
        }

        if (drug is null || time is not { } t || reporter is null)
        {
            return;
        }

        var end = m.Effective is Period ? t.End ?? t.Start : t.Start;
        var draft = new ReadingDraft(ReadingKind.Medication)
        {
            Code = drug.Key, Qualifier = drug.Class, OriginalValue = DoseText(m.Dosage.FirstOrDefault()), ReportedBy = reporter,
        };
        Emit(f, [draft], t.Start, end);
    }

    private static string? DoseText(Dosage? dosage)
    {
        if (dosage is null)
        {
            return null;
        }

        if (dosage.DoseAndRate.FirstOrDefault()?.Dose is Quantity { Value: { } v } q)
        {
            return $"{Number(v)} {q.Code ?? q.Unit}".TrimEnd();
        }

        return dosage.Text is { Length: > 0 } text ? Show(text) : null;
    }

    /// <summary>
    /// The home check-in's symptoms: each item of <see cref="HomeCheckIn.Symptoms"/> at most once, one boolean answer;
    /// <c>authored</c> (an instant) and <c>source</c> (the Patient or a RelatedPerson) required. One ReportedSymptom
    /// reading: code <c>neuro</c> when any symptom is true (else <c>none</c>), detail the symptoms reported.
    /// </summary>
    private static void HomeCheckInResponse(QuestionnaireResponse q, Findings f)
    {
        References.Check(q.Subject, "Patient", ".subject", f, "the Patient the check-in is about");
        var retracts = q.Status is QuestionnaireResponse.QuestionnaireResponseStatus.EnteredInError;
        var reporter = Reporter(q.Source);
        if (q.Source is null && !retracts)
        {
            f.Error(".source", "is required: who answered, the Patient ({\"reference\": \"Patient/<id>\"}) or a caregiver ({\"type\": \"RelatedPerson\"})",
                OperationOutcome.IssueType.Required);
        }
        else if (q.Source is not null && reporter is null)
        {
            f.Error(".source", "must be the Patient or a RelatedPerson (a caregiver): the home check-in is answered at home");
        }

        var authored = Authored(q, f, "check-in", "sent", required: !retracts);

        var reported = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < q.Item.Count; i++)
        {
            var item = q.Item[i];
            var relative = $".item[{i}]";
            if (HomeCheckIn.TextOf(item.LinkId ?? string.Empty) is null)
            {
                f.Error($"{relative}.linkId", $"'{Show(item.LinkId)}' is not an item of {HomeCheckIn.Url} ({string.Join(", ", HomeCheckIn.Symptoms.Select(s => s.LinkId))})",
                    OperationOutcome.IssueType.CodeInvalid);
                continue;
            }

            if (!seen.Add(item.LinkId!))
            {
                f.Error($"{relative}.linkId", $"'{item.LinkId}' is given twice: answer each item once");
                continue;
            }

            if (item.Item.Count > 0)
            {
                f.Error($"{relative}.item", "must be absent: check-in items have no nested items");
            }

            if (item.Answer.Count != 1)
            {
                f.Error($"{relative}.answer", $"has {item.Answer.Count} answers but {item.LinkId} takes one (valueBoolean)");
                continue;
            }

            if (item.Answer[0].Value is not FhirBoolean { Value: { } yes })
            {
                f.Error($"{relative}.answer[0].value[x]", $"must be valueBoolean (true: reported, false: not)");
                continue;
            }

            if (yes)
            {
                reported.Add(item.LinkId!);
            }
        }

        switch (q.Status)
        {
            case QuestionnaireResponse.QuestionnaireResponseStatus.Completed or QuestionnaireResponse.QuestionnaireResponseStatus.Amended:
                if (authored is { } at && reporter is not null && f.Errors.Count == 0)
                {
                    Emit(f, [new ReadingDraft(ReadingKind.ReportedSymptom)
                    {
                        Code = reported.Count > 0 ? "neuro" : "none", Detail = JsonSerializer.Serialize(reported), ReportedBy = reporter,
                    }], at);
                }

                break;
            case QuestionnaireResponse.QuestionnaireResponseStatus.InProgress or QuestionnaireResponse.QuestionnaireResponseStatus.Stopped:
                f.Warning(".status", $"is '{q.Status.GetLiteral()}': stored, not used until completed");
                break;
            case null:
                f.Error(".status", "is required", OperationOutcome.IssueType.Required);
                break;
            default:
                break;
        }
    }
}
