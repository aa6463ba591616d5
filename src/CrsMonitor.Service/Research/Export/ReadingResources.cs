using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Research.Deidentification;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// Labs and administrations as de-identified R4 resources, built from the readings (never the stored bodies, which
/// carry the EHR's identifiers, ids and references): pseudonymous subject, shifted times, derived ids.
/// </summary>
internal static class ReadingResources
{
    public static Observation Lab(Reading lab, Deidentifier deid, LabTable labs)
    {
        var patient = lab.PatientId;
        var (loinc, display) = labs.ReportingCode(lab.Code!, lab.Qualifier);
        var observation = new Observation
        {
            Id = deid.ResourceId("Observation", SourceKey(lab)),
            Status = ObservationStatus.Final,
            Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")],
            Code = new CodeableConcept("http://loinc.org", loinc, display, display),
            Subject = new ResourceReference("Patient/" + deid.Pseudonym(patient)),
            Effective = new FhirDateTime(deid.Shift(patient, lab.EffectiveAt)),
        };
        var unit = LabAnalytes.All.First(a => a.Key == lab.Code).CanonicalUnit;
        observation.Value = lab.Value is { } value
            ? new Quantity { Value = value, Unit = unit, System = "http://unitsofmeasure.org", Code = unit }
            : new FhirString(lab.OriginalValue ?? "not given");
        return observation;
    }

    public static MedicationAdministration Administration(Reading given, Deidentifier deid)
    {
        var patient = given.PatientId;
        var administration = new MedicationAdministration
        {
            Id = AdministrationId(given.Source.ResourceId, patient, deid),
            Status = given.EndAt is null && given.Qualifier != "protocol-drug"
                ? MedicationAdministration.MedicationAdministrationStatusCodes.InProgress
                : MedicationAdministration.MedicationAdministrationStatusCodes.Completed,
            Medication = new CodeableConcept(IngestData.MedicationSystem, given.Code!, given.Code!, $"{given.Code} ({given.Qualifier})"),
            Subject = new ResourceReference("Patient/" + deid.Pseudonym(patient)),
            Effective = given.EndAt is { } end && end != given.EffectiveAt
                ? new Period(new FhirDateTime(deid.Shift(patient, given.EffectiveAt)), new FhirDateTime(deid.Shift(patient, end)))
                : new FhirDateTime(deid.Shift(patient, given.EffectiveAt)),
        };
        if (given.OriginalValue is { } dose)
        {
            administration.Dosage = new MedicationAdministration.DosageComponent { Text = dose };
        }

        return administration;
    }

    /// <summary>The exported id of the administration stored as <paramref name="sourceId"/> (the suspect entity of an AdverseEvent names it).</summary>
    public static string AdministrationId(string sourceId, string patientId, Deidentifier deid) =>
        deid.ResourceId("MedicationAdministration", $"{patientId}|{sourceId}");

    private static string SourceKey(Reading r) => $"{r.PatientId}|{r.Source.ResourceType}/{r.Source.ResourceId}|{r.Sequence}";
}
