using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// Turns an accepted resource into readings (invariant 2: FHIR types never leave Ingest/): temperatures in °C (°F
/// converted exactly, the value as sent kept in OriginalValue), rates per minute, blood pressure components, SpO2 with
/// its flow/FiO2 components, O2 flow in L/min (mL/min converted exactly), oxygen devices (our codes or SNOMED CT
/// through the device map), neuro checks (QuestionnaireResponse or Observation panel), drugs by the drug map and
/// clinician inputs. Date-only times, unknown codes and retracted (entered-in-error, cancelled) resources yield none.
/// </summary>
public sealed class Normaliser
{
    private readonly ResourceInterpreter interpreter;

    public Normaliser(IngestData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        interpreter = new ResourceInterpreter(data);
    }

    /// <summary>The patient a resource belongs to: its subject <c>Patient/{id}</c>, or a Patient's own id.</summary>
    public static string? PatientIdOf(Resource r) => r switch
    {
        Patient p => p.Id,
        Observation o => References.IdOf(o.Subject, "Patient"),
        MedicationAdministration m => References.IdOf(m.Subject, "Patient"),
        MedicationStatement m => References.IdOf(m.Subject, "Patient"),
        QuestionnaireResponse q => References.IdOf(q.Subject, "Patient"),
        Encounter e => References.IdOf(e.Subject, "Patient"),
        _ => null,
    };

    /// <summary>
    /// The readings of <paramref name="r"/>, attributed to <paramref name="source"/> and numbered in order. Call after
    /// <see cref="IngestRules.Check"/> passed; a resource that breaks the rules is refused with an exception.
    /// </summary>
    public IReadOnlyList<Reading> ToReadings(Resource r, ReadingSource source)
    {
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(source);
        // A reference to a Bundle entry left unresolved is the caller's to refuse (unknown patient): no reading, no throw.
        var findings = interpreter.Interpret(r, r.TypeName, entryReferencesAllowed: true);
        if (findings.Errors.Count > 0)
        {
            throw new ArgumentException(
                $"{r.TypeName} breaks the ingest rules (check it with IngestRules first): {string.Join("; ", findings.Errors.Select(e => e.Diagnostics))}", nameof(r));
        }

        return Attribute(findings.Readings, PatientIdOf(r), source);
    }

    /// <summary>
    /// Readings-to-be placed on <paramref name="patientId"/> and attributed to <paramref name="source"/>, numbered in
    /// order; none without a patient (a reference left unresolved).
    /// </summary>
    internal static IReadOnlyList<Reading> Attribute(IReadOnlyList<ReadingDraft> drafts, string? patientId, ReadingSource source)
    {
        if (drafts.Count == 0 || patientId is null)
        {
            return [];
        }

        return [.. drafts.Select((d, i) => new Reading
        {
            PatientId = patientId,
            Kind = d.Kind,
            EffectiveAt = d.EffectiveAt,
            EndAt = d.EndAt,
            Value = d.Value,
            OriginalValue = d.OriginalValue,
            Code = d.Code,
            Qualifier = d.Qualifier,
            Detail = ReadingDetail.Of(d.Detail),
            ReportedBy = d.ReportedBy,
            Device = d.Device,
            Source = source,
            Sequence = i,
        })];
    }
}
