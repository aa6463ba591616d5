using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// What an EHR's bulk feed sends (shared/fhir-examples/synthea): every vital-sign Observation (category vital-signs)
/// of every Synthea Bundle, interpreted by the ingest rules as a transaction entry is (IngestRules.Interpret, its
/// urn:uuid subject resolved to the Bundle's Patient the way the transaction resolves it). Every temperature, heart
/// rate, respiratory rate, blood pressure and SpO2 must become readings carrying the values sent. The expectation is
/// computed from the files with this test's own reading of each LOINC code, not from observation-codes.json; a vital
/// sign under a code this test has not classified fails it, so a new generator version is looked at, not passed over.
/// </summary>
public sealed class SyntheaVitalSignsTests
{
    private const string Loinc = "http://loinc.org";

    /// <summary>Codes of a single quantity, as LOINC defines them.</summary>
    private static readonly Dictionary<string, ReadingKind> Quantities = new(StringComparer.Ordinal)
    {
        ["8310-5"] = ReadingKind.Temperature,
        ["8331-1"] = ReadingKind.Temperature,
        ["8867-4"] = ReadingKind.HeartRate,
        ["9279-1"] = ReadingKind.RespiratoryRate,
        ["8480-6"] = ReadingKind.SystolicBp,
        ["8462-4"] = ReadingKind.DiastolicBp,
        ["59408-5"] = ReadingKind.Spo2,
        ["2708-6"] = ReadingKind.Spo2,
    };

    /// <summary>Blood-pressure panels: their 8480-6 and 8462-4 components are the readings.</summary>
    private static readonly HashSet<string> Panels = new(StringComparer.Ordinal) { "85354-9", "55284-4" };

    /// <summary>Vital signs Synthea writes that CRS and ICANS grading never read: stored with a warning.</summary>
    private static readonly HashSet<string> NotGradingInputs = new(StringComparer.Ordinal)
    {
        "8302-2", // Body height
        "29463-7", // Body weight
        "39156-5", // Body mass index
        "72514-3", // Pain severity 0-10
    };

    private sealed record Tally(List<(ReadingKind Kind, decimal Value)> Expected, List<(ReadingKind Kind, decimal Value)> Actual)
    {
        public int Observations { get; set; }
    }

    [Test]
    public void EveryTemperatureHeartRateRespiratoryRateBloodPressureAndSpo2_BecomesAReadingWithTheValueSent()
    {
        var byCode = new SortedDictionary<string, Tally>(StringComparer.Ordinal);
        foreach (var file in SharedFhirExamples.SyntheaNames)
        {
            var entries = SharedFhirExamples.SyntheaBundle(file)["entry"]!.AsArray();
            var patients = entries.Where(e => e!["resource"]!["resourceType"]!.GetValue<string>() == "Patient")
                .ToDictionary(e => e!["fullUrl"]!.GetValue<string>(), e => $"Patient/{e!["resource"]!["id"]!.GetValue<string>()}", StringComparer.Ordinal);
            for (var i = 0; i < entries.Count; i++)
            {
                var observation = entries[i]!["resource"]!.AsObject();
                if (observation["resourceType"]!.GetValue<string>() != "Observation" || !IsVitalSign(observation))
                {
                    continue;
                }

                var subject = observation["subject"]!["reference"]!.GetValue<string>();
                observation["subject"]!["reference"] = patients.TryGetValue(subject, out var patient) ? patient : subject;
                var code = observation["code"]!["coding"]!.AsArray().First(c => c!["system"]?.GetValue<string>() == Loinc)!["code"]!.GetValue<string>();
                var where = $"{file} entry[{i}] (LOINC {code})";
                var tally = byCode.TryGetValue(code, out var found) ? found : byCode[code] = new Tally([], []);
                tally.Observations++;
                tally.Expected.AddRange(Expected(observation, code, where));
                tally.Actual.AddRange(Interpret(observation, i, where));
            }
        }

        TestContext.Out.WriteLine(string.Join(Environment.NewLine, byCode.Select(c =>
            $"LOINC {c.Key}: {c.Value.Observations} Observations, {c.Value.Expected.Count} readings expected, {c.Value.Actual.Count} made")));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(byCode.Where(c => !NotGradingInputs.Contains(c.Key)).Sum(c => c.Value.Observations), Is.Positive,
                "the Synthea Bundles hold vital signs that grade: a test that finds none proves nothing");
            foreach (var (code, tally) in byCode)
            {
                Assert.That(tally.Actual, Is.EquivalentTo(tally.Expected), $"LOINC {code}: {tally.Observations} Observations");
            }
        }
    }

    private static bool IsVitalSign(JsonObject observation) =>
        observation["category"]?.AsArray().Any(c => c!["coding"]?.AsArray().Any(x => x!["code"]?.GetValue<string>() == "vital-signs") ?? false) ?? false;

    /// <summary>The readings the Observation must give, read from its JSON by this test's classification of its code.</summary>
    private static IEnumerable<(ReadingKind, decimal)> Expected(JsonObject observation, string code, string where)
    {
        if (Quantities.TryGetValue(code, out var kind))
        {
            return [(kind, Canonical(observation["valueQuantity"]!))];
        }

        if (Panels.Contains(code))
        {
            return observation["component"]!.AsArray().Select(c => (Code: c!["code"]!["coding"]![0]!["code"]!.GetValue<string>(), Value: c["valueQuantity"]!))
                .Where(c => c.Code is "8480-6" or "8462-4")
                .Select(c => (Quantities[c.Code], Canonical(c.Value)));
        }

        Assert.That(NotGradingInputs, Does.Contain(code),
            $"{where}: Synthea sends this vital sign under a code this test does not know; decide whether it grades (observation-codes.json) and say so here");
        return [];
    }

    /// <summary>°F converted to °C exactly; every other unit Synthea uses is already canonical.</summary>
    private static decimal Canonical(JsonNode quantity)
    {
        var value = decimal.Parse(quantity["value"]!.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        return quantity["code"]!.GetValue<string>() == "[degF]" ? (value - 32) * 5 / 9 : value;
    }

    private static IEnumerable<(ReadingKind, decimal)> Interpret(JsonObject observation, int index, string where)
    {
        var (resource, parseError) = FhirJson.Parse(Encoding.UTF8.GetBytes(observation.ToJsonString()), "Observation");
        Assert.That(parseError, Is.Null, () => $"{where}: {IngestSamples.Describe(parseError!)}");
        var interpretation = IngestSamples.Rules.Interpret(resource!, $"Bundle.entry[{index}].resource");
        Assert.That(interpretation.Error, Is.Null, () => $"{where}: {IngestSamples.Describe(interpretation.Error!)}");
        var readings = interpretation.Accept().ReadingsOf(new ReadingSource("Observation", observation["id"]!.GetValue<string>(), 1));
        Assert.That(readings.Count > 0 || interpretation.Warnings.Count > 0, Is.True, $"{where}: no reading and no warning saying why");
        return readings.Select(r => (r.Kind, r.Value!.Value));
    }
}
