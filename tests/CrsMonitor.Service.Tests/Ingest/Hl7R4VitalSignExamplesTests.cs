using System.Text.Json.Nodes;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// The sixteen vital-sign examples of the FHIR R4 specification (shared/fhir-examples/hl7-r4-vital-signs), their
/// subject pointed at our patient and, where the example gives only a date, a time of day added (as published most
/// are date-only and give no reading at all; Fhir/Hl7R4ExampleHttpTests sends them as published): what each must give.
/// </summary>
public sealed class Hl7R4VitalSignExamplesTests
{
    /// <summary>The readings of each example, from reading the example (its code, status and values).</summary>
    private static readonly Dictionary<string, ReadingKind[]> ReadingsOf = new(StringComparer.Ordinal)
    {
        ["observation-example-bloodpressure-cancel.json"] = [], // cancelled: retracts, gives nothing
        ["observation-example-bloodpressure-dar.json"] = [ReadingKind.SystolicBp], // the diastolic is absent (dataAbsentReason)
        ["observation-example-bloodpressure.json"] = [ReadingKind.SystolicBp, ReadingKind.DiastolicBp],
        ["observation-example-bmi.json"] = [],
        ["observation-example-body-height.json"] = [],
        ["observation-example-body-length.json"] = [],
        ["observation-example-body-temperature.json"] = [ReadingKind.Temperature],
        ["observation-example-f202-temperature.json"] = [], // entered-in-error
        ["observation-example-head-circumference.json"] = [],
        ["observation-example-heart-rate.json"] = [ReadingKind.HeartRate],
        ["observation-example-map-sitting.json"] = [], // mean blood pressure: not graded, says why
        ["observation-example-mbp.json"] = [],
        ["observation-example-respiratory-rate.json"] = [ReadingKind.RespiratoryRate],
        ["observation-example-satO2.json"] = [ReadingKind.Spo2],
        ["observation-example-vitals-panel.json"] = [], // the grouper: its members are Observations of their own
        ["observation-example.json"] = [], // body weight
    };

    public static IEnumerable<TestCaseData> Examples() =>
        SharedFhirExamples.R4VitalSignNames.Select(name => new TestCaseData(name).SetName($"R4Example_{name.Replace(".json", string.Empty, StringComparison.Ordinal)}_GivesItsReadings"));

    /// <summary>The example with its subject on Patient/p1 and a date-only effectiveDateTime given a time of day.</summary>
    internal static string Timed(string name)
    {
        var node = JsonNode.Parse(SharedFhirExamples.R4VitalSign(name))!.AsObject();
        node["subject"] = new JsonObject { ["reference"] = "Patient/p1" };
        if (node["effectiveDateTime"]?.GetValue<string>() is { Length: 10 } date)
        {
            node["effectiveDateTime"] = $"{date}T10:00:00Z";
        }

        return node.ToJsonString();
    }

    [Test]
    public void TheSixteenExamplesAreThere() => Assert.That(SharedFhirExamples.R4VitalSignNames, Is.EquivalentTo(ReadingsOf.Keys));

    [TestCaseSource(nameof(Examples))]
    public void Example(string name)
    {
        var result = IngestSamples.Ingest(Timed(name), "Observation");
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        Assert.That(result.Readings.Select(r => r.Kind), Is.EqualTo(ReadingsOf[name]));
    }

    [Test]
    public void F202_AsAFinalResultWithATime_IsOneTemperature_FromItsTwoLoincCodings()
    {
        // f202 codes one temperature four ways: acme.lab BT, LOINC 8310-5 and 8331-1, SNOMED CT 56342008.
        var node = JsonNode.Parse(Timed("observation-example-f202-temperature.json"))!.AsObject();
        node["status"] = "final";
        node["effectiveDateTime"] = "2013-04-02T10:30:10+01:00";
        var readings = IngestSamples.Readings(node.ToJsonString());
        Assert.That(readings.Select(r => (r.Kind, r.Value, r.OriginalValue)), Is.EqualTo(new[] { (ReadingKind.Temperature, (decimal?)39m, "39 Cel") }));
    }
}
