using System.Security.Cryptography;
using System.Text;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// A stored grade change as a derived FHIR Observation (code <c>crs-grade</c> or <c>icans-grade</c> of the CrsMonitor
/// observation CodeSystem): value = grade, or a data-absent reason with the not-gradable reason; the rules that fired
/// as notes; derivedFrom = the resource versions that caused it.
/// </summary>
public static class GradeObservations
{
    public const string CodeSystem = "https://crsmonitor.org/fhir/CodeSystem/observation";

    public static string CodeOf(Scale scale) => $"{scale.Code()}-grade";

    public static Observation From(GradePointRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var document = GradePointDocument.Parse(row.ResultJson);
        var observation = new Observation
        {
            Id = IdOf(row),
            Status = ObservationStatus.Final,
            Code = new CodeableConcept(CodeSystem, CodeOf(row.Scale), $"{row.Scale.Label()} grade (ASTCT 2019)"),
            Subject = new ResourceReference($"Patient/{row.PatientId}"),
            Effective = new FhirDateTime(row.EffectiveAt.ToUniversalTime()),
            Issued = row.ComputedAt.ToUniversalTime(),
            Method = new CodeableConcept { Text = document?.Result.System ?? "ASTCT-2019" },
        };
        observation.Category.Add(new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "survey"));
        if (row.Grade is int grade)
        {
            observation.Value = new Integer(grade);
        }
        else
        {
            observation.DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed")
            {
                Text = $"not-gradable: {row.Reason}",
            };
        }

        if (document is not null)
        {
            observation.Note.AddRange(document.Result.Rules.Select(r => new Annotation { Text = r.Text }));
            if (document.Result.Flags.Count > 0)
            {
                observation.Note.Add(new Annotation { Text = "Review flags: " + string.Join(", ", document.Result.Flags) });
            }

            observation.DerivedFrom.AddRange(document.Cause.Select(c => new ResourceReference($"{c.ResourceType}/{c.ResourceId}/_history/{c.VersionId}")));
        }

        return observation;
    }

    /// <summary>A stable id per (patient, scale, instant): the same grade change always has the same id.</summary>
    public static string IdOf(GradePointRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var key = $"{row.PatientId}|{row.Scale.Code()}|{row.EffectiveAt.ToUniversalTime().UtcTicks}";
        return $"{row.Scale.Code()}-grade-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..24]}";
    }
}
