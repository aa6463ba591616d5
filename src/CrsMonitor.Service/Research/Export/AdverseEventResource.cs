using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Research.Deidentification;
using CrsMonitor.Service.Research.Episodes;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// An episode record as a de-identified R4 AdverseEvent following the HL7 Adverse Event Clinical Research R4 backport
/// profile (STU1): the ASTCT grade in its <c>ae-grade</c> extension (NCI Thesaurus grade codes of the IG's value set),
/// seriousness with the criteria the profile's invariant asks for, severity, outcome, the dose as suspect entity, and
/// CrsMonitor's own extensions for the times relative to the infusion. Seriousness is derived from the grade (3:
/// ICU-level care, counted as hospitalisation; 4: life-threatening; 5: death) for the investigator to confirm.
/// </summary>
internal static class AdverseEventResource
{
    public const string Profile = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/AdverseEvent-clinical-research";
    public const string GradeExtension = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade";
    public const string SeriousnessCriteriaExtension = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/seriousness-criteria";
    public const string NciThesaurus = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl";
    public const string ToxicitySystem = "https://crsmonitor.org/fhir/CodeSystem/toxicity";
    public const string TimingExtensionBase = "https://crsmonitor.org/fhir/StructureDefinition/";

    private static readonly (string Code, string Display)[] Grades =
    [
        ("C41338", "Grade 1 Mild Adverse Event"), ("C41339", "Grade 2 Moderate Adverse Event"), ("C41340", "Grade 3 Severe Adverse Event"),
        ("C41337", "Grade 4 Life Threatening or Disabling Adverse Event"), ("C48275", "Grade 5 Death Related to Adverse Event"),
    ];

    public static AdverseEvent From(EpisodeRecord record, Deidentifier deid, string? administrationId)
    {
        var patient = record.PatientId;
        var grade = Grades[Math.Clamp(record.MaxGrade, 1, 5) - 1];
        var ae = new AdverseEvent
        {
            Id = deid.ResourceId("AdverseEvent", $"{patient}|{record.Scale}|{record.OnsetAt:O}"),
            Meta = new Meta { Profile = [Profile] },
            Actuality = AdverseEvent.AdverseEventActuality.Actual,
            Event = new CodeableConcept(ToxicitySystem, record.Scale.Code(),
                record.Scale == Scale.Crs ? "Cytokine release syndrome" : "Immune effector cell-associated neurotoxicity syndrome",
                $"{record.Scale.Label()}, maximum ASTCT 2019 grade {record.MaxGrade} (graded by CrsMonitor)"),
            Subject = new ResourceReference("Patient/" + deid.Pseudonym(patient)),
            DateElement = new FhirDateTime(deid.Shift(patient, record.OnsetAt)),
            DetectedElement = new FhirDateTime(deid.Shift(patient, record.OnsetAt)),
            Severity = new CodeableConcept("http://terminology.hl7.org/CodeSystem/adverse-event-severity",
                record.MaxGrade switch { 1 => "mild", 2 => "moderate", _ => "severe" }),
            Outcome = new CodeableConcept("http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
                record.MaxGrade == 5 ? "fatal" : record.ResolvedAt is null ? "ongoing" : "resolved"),
        };
        ae.Extension.Add(new Extension(GradeExtension, new CodeableConcept(NciThesaurus, grade.Code, grade.Display, $"Grade {record.MaxGrade}")));
        Seriousness(ae, record.MaxGrade);
        Timing(ae, "onset", record.HoursFromStart(record.OnsetAt), record.HoursFromEnd(record.OnsetAt));
        Timing(ae, "peak", record.HoursFromStart(record.PeakAt), record.HoursFromEnd(record.PeakAt));
        Timing(ae, "resolution", record.HoursFromStart(record.ResolvedAt), record.HoursFromEnd(record.ResolvedAt));
        if (administrationId is not null)
        {
            ae.SuspectEntity.Add(new AdverseEvent.SuspectEntityComponent { Instance = new ResourceReference("MedicationAdministration/" + administrationId) });
        }

        return ae;
    }

    private static void Seriousness(AdverseEvent ae, int grade)
    {
        var serious = grade >= 3;
        ae.Seriousness = new CodeableConcept("http://terminology.hl7.org/CodeSystem/adverse-event-seriousness", serious ? "serious" : "non-serious");
        if (!serious)
        {
            return;
        }

        var (code, display) = grade switch
        {
            5 => ("C48275", "Death Related to Adverse Event"),
            4 => ("C84266", "Is Life Threatening"),
            _ => ("C83052", "Requires Inpatient Hospitalization"),
        };
        var criteria = new Extension { Url = SeriousnessCriteriaExtension };
        criteria.Extension.Add(new Extension("criterionCode", new CodeableConcept(NciThesaurus, code, display)));
        criteria.Extension.Add(new Extension("criterionPresent", new FhirBoolean(true)));
        ae.Extension.Add(criteria);
    }

    private static void Timing(AdverseEvent ae, string moment, decimal? fromStart, decimal? fromEnd)
    {
        if (fromStart is { } start)
        {
            ae.Extension.Add(new Extension($"{TimingExtensionBase}{moment}-hours-from-infusion-start", new FhirDecimal(start)));
        }

        if (fromEnd is { } end)
        {
            ae.Extension.Add(new Extension($"{TimingExtensionBase}{moment}-hours-from-infusion-end", new FhirDecimal(end)));
        }
    }
}
