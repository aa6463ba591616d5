using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// The laboratory results of an EHR's bulk feed (shared/fhir-examples/synthea): every Observation of category
/// laboratory of every Synthea Bundle, interpreted as a transaction entry is. Of our analytes the generators write
/// platelets (777-3, in 10*3/uL): each becomes a Lab reading with the value sent (10*3/uL is 10*9/L). Every other lab
/// code they write is stored with a warning and no reading. A code this test has not classified fails it, so a new
/// generator version is looked at, not passed over.
/// </summary>
public sealed class SyntheaLabsTests
{
    private const string Loinc = "http://loinc.org";

    /// <summary>Codes of our analytes that Synthea writes, with the analyte (its units are canonical already).</summary>
    private static readonly Dictionary<string, string> Ours = new(StringComparer.Ordinal) { ["777-3"] = LabAnalytes.Platelets };

    /// <summary>Laboratory codes Synthea writes that are none of the research biomarkers: stored with a warning.</summary>
    private static readonly HashSet<string> NotOurs = new(StringComparer.Ordinal)
    {
        "18262-6", "2085-9", "2093-3", "2571-8", // lipids
        "21000-5", "32207-3", "32623-1", "4544-3", "6690-2", "718-7", "785-6", "786-4", "787-2", "789-8", // blood count
    };

    [Test]
    public void EveryPlateletCount_BecomesALabReadingWithTheValueSent_OtherLabsAWarning()
    {
        var expected = new List<(string Analyte, decimal Value)>();
        var actual = new List<(string Analyte, decimal Value)>();
        var warnedOnly = 0;
        foreach (var file in SharedFhirExamples.SyntheaNames)
        {
            var entries = SharedFhirExamples.SyntheaBundle(file)["entry"]!.AsArray();
            var patients = entries.Where(e => e!["resource"]!["resourceType"]!.GetValue<string>() == "Patient")
                .ToDictionary(e => e!["fullUrl"]!.GetValue<string>(), e => $"Patient/{e!["resource"]!["id"]!.GetValue<string>()}", StringComparer.Ordinal);
            for (var i = 0; i < entries.Count; i++)
            {
                var observation = entries[i]!["resource"]!.AsObject();
                if (observation["resourceType"]!.GetValue<string>() != "Observation" || !IsLaboratory(observation))
                {
                    continue;
                }

                var subject = observation["subject"]!["reference"]!.GetValue<string>();
                observation["subject"]!["reference"] = patients.TryGetValue(subject, out var patient) ? patient : subject;
                var code = observation["code"]!["coding"]!.AsArray().First(c => c!["system"]?.GetValue<string>() == Loinc)!["code"]!.GetValue<string>();
                var where = $"{file} entry[{i}] (LOINC {code})";
                var (readings, warnings) = Interpret(observation, i, where);
                if (Ours.TryGetValue(code, out var analyte))
                {
                    Assert.That(observation["valueQuantity"]!["code"]!.GetValue<string>(), Is.EqualTo("10*3/uL"), where);
                    expected.Add((analyte, decimal.Parse(observation["valueQuantity"]!["value"]!.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)));
                    actual.AddRange(readings.Select(r => (r.Code!, r.Value!.Value)));
                    Assert.That(readings.Single().Kind, Is.EqualTo(ReadingKind.Lab), where);
                    Assert.That(warnings, Is.Empty, where);
                }
                else
                {
                    Assert.That(NotOurs, Does.Contain(code), $"{where}: Synthea sends a lab code this test does not know; decide whether it is an analyte (lab-codes.json) and say so here");
                    Assert.That(readings, Is.Empty, where);
                    Assert.That(warnings.Single().Diagnostics, Does.Contain("is not a code CrsMonitor understands"), where);
                    warnedOnly++;
                }
            }
        }

        TestContext.Out.WriteLine($"{expected.Count} platelet counts, {warnedOnly} other laboratory results");
        Assert.That(expected, Is.Not.Empty, "the Synthea Bundles hold platelet counts: a test that finds none proves nothing");
        Assert.That(actual, Is.EqualTo(expected));
    }

    private static bool IsLaboratory(JsonObject observation) =>
        observation["category"]?.AsArray().Any(c => c!["coding"]?.AsArray().Any(x => x!["code"]?.GetValue<string>() == "laboratory") ?? false) ?? false;

    private static (IReadOnlyList<Reading> Readings, IReadOnlyList<Hl7.Fhir.Model.OperationOutcome.IssueComponent> Warnings) Interpret(JsonObject observation, int index, string where)
    {
        var (resource, parseError) = FhirJson.Parse(Encoding.UTF8.GetBytes(observation.ToJsonString()), "Observation");
        Assert.That(parseError, Is.Null, () => $"{where}: {IngestSamples.Describe(parseError!)}");
        var interpretation = IngestSamples.Rules.Interpret(resource!, $"Bundle.entry[{index}].resource");
        Assert.That(interpretation.Error, Is.Null, () => $"{where}: {IngestSamples.Describe(interpretation.Error!)}");
        return (interpretation.Accept().ReadingsOf(new ReadingSource("Observation", observation["id"]!.GetValue<string>(), 1)), interpretation.Warnings);
    }
}
