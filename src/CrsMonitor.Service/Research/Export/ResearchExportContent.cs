using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Research.Deidentification;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// The content of a Bulk Data export (issue 16), de-identified: one Patient per cohort patient (its pseudonym and
/// nothing else), one AdverseEvent per CRS or ICANS episode, the lab Observations and the MedicationAdministrations
/// (protocol doses, premedication, tocilizumab, corticosteroids, vasopressors, antipyretics). Built from the typed
/// readings and episode records, never from the stored bodies.
/// </summary>
public sealed class ResearchExportContent(ResearchCohort cohort, Deidentifier deid, IngestData ingest) : IResearchExportContent
{
    public IReadOnlyList<string> ResourceTypes { get; } = ["Patient", "AdverseEvent", "Observation", "MedicationAdministration"];

    public async Task<IReadOnlyList<ExportFile>> BuildAsync(ExportScope scope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var lines = ResourceTypes.ToDictionary(t => t, _ => new List<string>(), StringComparer.Ordinal);
        await foreach (var patient in cohort.ReadAsync(scope.TransactionTime, ct).ConfigureAwait(false))
        {
            var id = patient.Facts.PatientId;
            var readings = patient.Facts.Readings.Where(r => r.EffectiveAt <= scope.TransactionTime).ToList();
            lines["Patient"].Add(Line(new Patient { Id = deid.Pseudonym(id), Meta = new Meta { Tag = [new Coding(ResearchWords.TagSystem, "de-identified")] } }));
            foreach (var record in patient.Episodes)
            {
                var administration = patient.Facts.Doses.FirstOrDefault(d => d.Id == record.Dose?.DoseId)?.AdministrationId;
                lines["AdverseEvent"].Add(Line(AdverseEventResource.From(
                    record, deid, administration is null ? null : ReadingResources.AdministrationId(administration, id, deid))));
            }

            lines["Observation"].AddRange(readings.Where(r => r.Kind == ReadingKind.Lab && r.Code is not null).Select(r => Line(ReadingResources.Lab(r, deid, ingest.Labs))));
            // A medicine the patient or a caregiver reported taking at home (MedicationStatement, issue 17) was not administered:
            // it is not exported as a MedicationAdministration.
            lines["MedicationAdministration"].AddRange(readings.Where(r => r.Kind == ReadingKind.Medication && r.Code is not null && r.ReportedBy is null)
                .DistinctBy(r => r.Source.ResourceId)
                .Select(r => Line(ReadingResources.Administration(r, deid))));
        }

        return [.. ResourceTypes.Where(scope.Types.Contains).Select(t => new ExportFile(t, lines[t]))];
    }

    private static string Line(Resource resource) => FhirJsonSerializer.Default.SerializeToString(resource, pretty: false);
}
