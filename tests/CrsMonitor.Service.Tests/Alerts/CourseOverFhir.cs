using CrsMonitor.Service.Readings;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Alerts;

/// <summary>
/// A <see cref="Assessment.TimelineCourse"/> (readings) as the FHIR resources an EHR sends for it, grouped in rounds:
/// the resources that are ready at the same instant (a medication once it ended, everything else at its time).
/// </summary>
internal static class CourseOverFhir
{
    /// <summary>One resource to post: its type and body.</summary>
    public sealed record Resource(string Type, string Json, string Label);

    /// <summary>The course's rounds in time order: the instant they are ready and their resources in course order.</summary>
    public static IReadOnlyList<(DateTimeOffset At, IReadOnlyList<Resource> Resources)> Rounds(IReadOnlyList<Reading> readings, string patient) =>
    [
        .. readings.GroupBy(r => r.Source).Select(g => (At: g.Max(r => r.EndAt is { } end && end > r.EffectiveAt ? end : r.EffectiveAt), Resources: ToFhir([.. g], patient)))
            .GroupBy(x => x.At).OrderBy(g => g.Key)
            .Select(g => (g.Key, (IReadOnlyList<Resource>)[.. g.SelectMany(x => x.Resources)])),
    ];

    /// <summary>The resources of one source resource of the course (an oxygen reading with SpO2 is sent as two observations).</summary>
    private static List<Resource> ToFhir(IReadOnlyList<Reading> readings, string patient)
    {
        var first = readings[0];
        var label = first.Source.ResourceId;
        switch (first.Kind)
        {
            case ReadingKind.Temperature:
                return [new("Observation", Temperature(patient, first.Value!.Value, "Cel", first.EffectiveAt), label)];
            case ReadingKind.SystolicBp:
                return [new("Observation", Systolic(patient, first.Value!.Value, first.EffectiveAt), label)];
            case ReadingKind.OxygenDevice:
                var flow = readings.FirstOrDefault(r => r.Kind == ReadingKind.OxygenFlow)?.Value;
                var spo2 = readings.FirstOrDefault(r => r.Kind == ReadingKind.Spo2)?.Value;
                List<Resource> oxygen = [new("Observation", OxygenDevice(patient, first.Code!, first.EffectiveAt, flow), label)];
                if (spo2 is { } s)
                {
                    oxygen.Add(new("Observation", Monitoring.Schedule.MonitoringHost.Spo2(patient, s, first.EffectiveAt), $"{label}-spo2"));
                }

                return oxygen;
            case ReadingKind.Spo2:
                return [new("Observation", Monitoring.Schedule.MonitoringHost.Spo2(patient, first.Value!.Value, first.EffectiveAt), label)];
            case ReadingKind.Medication:
                var (system, code) = first.Code switch
                {
                    "dexamethasone" => (RxNorm, "3264"),
                    "tocilizumab" => (RxNorm, "612865"),
                    "sodium-chloride-0.9" => (CrsMonitorMedication, "fluid-bolus-for-hypotension"),
                    "tarlatamab" => (CrsMonitorMedication, "tarlatamab"),
                    _ => throw new NotSupportedException($"no FHIR code for {first.Code}"),
                };
                return [new("MedicationAdministration", Medication(patient, system, code, first.EffectiveAt, first.EndAt ?? first.EffectiveAt), label)];
            case ReadingKind.NeuroCheck:
                var score = first.Detail!.NeuroCheck!.IceScore!.Value;
                return [new("QuestionnaireResponse", AlertKit.NeuroCheck(patient, first.EffectiveAt, IceOf(score)), label)];
            default:
                throw new NotSupportedException($"no FHIR resource for {first.Kind}");
        }
    }

    /// <summary>ICE items giving <paramref name="score"/>: naming first (up to 3), then the one-point items in order.</summary>
    private static Ice IceOf(int score)
    {
        var naming = Math.Min(3, score);
        var rest = score - naming;
        return new Ice(rest >= 1, rest >= 2, rest >= 3, rest >= 4, naming, rest >= 5, rest >= 6, rest >= 7);
    }
}
