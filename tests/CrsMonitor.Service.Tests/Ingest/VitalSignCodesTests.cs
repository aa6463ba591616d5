using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// Every vital-sign code a hospital sends (issue 13): each LOINC code of observation-codes.json gives one reading of
/// its kind in the canonical unit; the codes deliberately not graded are stored with a warning that says why; several
/// codings of one measurement give one reading. The codes and their kinds are written out here, apart from the table,
/// so that a code added to (or dropped from) the table without a test of its own fails <see cref="TheShippedTable_GradesExactlyTheCodesOfThisTest"/>.
/// </summary>
public sealed class VitalSignCodesTests
{
    /// <summary>The LOINC codes that must grade, with their meaning (LOINC's display) and the kind they give.</summary>
    private static readonly (string Loinc, string Meaning, ReadingKind Kind)[] Graded =
    [
        ("8310-5", "Body temperature", ReadingKind.Temperature),
        ("8331-1", "Oral temperature", ReadingKind.Temperature),
        ("8328-7", "Axillary temperature", ReadingKind.Temperature),
        ("8333-7", "Tympanic membrane temperature", ReadingKind.Temperature),
        ("76011-6", "Ear temperature", ReadingKind.Temperature),
        ("8332-9", "Rectal temperature", ReadingKind.Temperature),
        ("75539-7", "Body temperature - Temporal artery", ReadingKind.Temperature),
        ("8329-5", "Body temperature - Core", ReadingKind.Temperature),
        ("8330-3", "Body temperature - Intravascular", ReadingKind.Temperature),
        ("8334-5", "Body temperature - Urinary bladder", ReadingKind.Temperature),
        ("60836-4", "Esophageal temperature", ReadingKind.Temperature),
        ("60838-0", "Nasopharyngeal temperature", ReadingKind.Temperature),
        ("11289-6", "Body temperature at First encounter", ReadingKind.Temperature),
        ("8867-4", "Heart rate", ReadingKind.HeartRate),
        ("8889-8", "Heart rate by Pulse oximetry", ReadingKind.HeartRate),
        ("8893-0", "Heart rate Peripheral artery by palpation", ReadingKind.HeartRate),
        ("76282-3", "Heart rate.beat-to-beat by EKG", ReadingKind.HeartRate),
        ("60978-4", "Heart rate Intra arterial line by Invasive", ReadingKind.HeartRate),
        ("40443-4", "Heart rate --resting", ReadingKind.HeartRate),
        ("67129-7", "Heart rate Peripheral artery by palpation --resting", ReadingKind.HeartRate),
        ("69000-8", "Heart rate --sitting", ReadingKind.HeartRate),
        ("69001-6", "Heart rate --standing", ReadingKind.HeartRate),
        ("68999-2", "Heart rate --supine", ReadingKind.HeartRate),
        ("11328-2", "Heart rate at First encounter", ReadingKind.HeartRate),
        ("9279-1", "Respiratory rate", ReadingKind.RespiratoryRate),
        ("76174-2", "Respiratory rate by Pulse oximetry.plethysmograph", ReadingKind.RespiratoryRate),
        ("11291-2", "Respiratory rate at First encounter", ReadingKind.RespiratoryRate),
        ("8480-6", "Systolic blood pressure", ReadingKind.SystolicBp),
        ("8459-0", "Systolic blood pressure--sitting", ReadingKind.SystolicBp),
        ("8460-8", "Systolic blood pressure--standing", ReadingKind.SystolicBp),
        ("8461-6", "Systolic blood pressure--supine", ReadingKind.SystolicBp),
        ("89268-7", "Systolic blood pressure--lying in L-lateral position", ReadingKind.SystolicBp),
        ("76534-7", "Systolic blood pressure by Noninvasive", ReadingKind.SystolicBp),
        ("75997-7", "Systolic blood pressure by Continuous non-invasive monitoring", ReadingKind.SystolicBp),
        ("76215-3", "Invasive Systolic blood pressure", ReadingKind.SystolicBp),
        ("8508-4", "Brachial artery Systolic blood pressure", ReadingKind.SystolicBp),
        ("8479-8", "Systolic blood pressure by palpation", ReadingKind.SystolicBp),
        ("11378-7", "Systolic blood pressure at First encounter", ReadingKind.SystolicBp),
        ("8462-4", "Diastolic blood pressure", ReadingKind.DiastolicBp),
        ("8453-3", "Diastolic blood pressure--sitting", ReadingKind.DiastolicBp),
        ("8454-1", "Diastolic blood pressure--standing", ReadingKind.DiastolicBp),
        ("8455-8", "Diastolic blood pressure--supine", ReadingKind.DiastolicBp),
        ("76535-4", "Diastolic blood pressure by Noninvasive", ReadingKind.DiastolicBp),
        ("76213-8", "Invasive Diastolic blood pressure", ReadingKind.DiastolicBp),
        ("8496-2", "Brachial artery Diastolic blood pressure", ReadingKind.DiastolicBp),
        ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", ReadingKind.Spo2),
        ("2708-6", "Oxygen saturation in Arterial blood", ReadingKind.Spo2),
        ("59410-1", "Oxygen saturation in Arterial blood by Pulse oximetry --on room air", ReadingKind.Spo2),
        ("59417-6", "Oxygen saturation in Arterial blood by Pulse oximetry --resting", ReadingKind.Spo2),
        ("3151-8", "Inhaled oxygen flow rate", ReadingKind.OxygenFlow),
        ("3150-0", "Inhaled oxygen concentration", ReadingKind.FiO2),
    ];

    /// <summary>The blood-pressure panels: components, no value of their own.</summary>
    private static readonly string[] Panels = ["85354-9", "55284-4"];

    /// <summary>Codes stored but deliberately not graded, with a word the warning's reason must contain.</summary>
    private static readonly (string Loinc, string Because)[] NotGraded =
    [
        ("61008-9", "skin or surface temperature"),
        ("60839-8", "skin or surface temperature"),
        ("98657-0", "skin or surface temperature"),
        ("98663-8", "skin or surface temperature"),
        ("60830-7", "skin or surface temperature"),
        ("60833-1", "skin or surface temperature"),
        ("39106-0", "not a measured temperature"),
        ("8478-0", "mean pressure"),
        ("20564-1", "venous"),
        ("85353-1", "hasMember"),
        ("55283-6", "fetus"),
        ("33438-3", "ventilator"),
    ];

    /// <summary>A value in a unit each kind accepts, and the canonical value it must give.</summary>
    private static (string Value, string Unit, decimal Canonical) Sample(ReadingKind kind) => kind switch
    {
        ReadingKind.Temperature => ("100.4", "[degF]", 38.0m),
        ReadingKind.HeartRate => ("132", "{beats}/min", 132m),
        ReadingKind.RespiratoryRate => ("24", "{breaths}/min", 24m),
        ReadingKind.SystolicBp => ("88", "mm[Hg]", 88m),
        ReadingKind.DiastolicBp => ("52", "mm[Hg]", 52m),
        ReadingKind.Spo2 => ("89", "%", 89m),
        ReadingKind.OxygenFlow => ("6000", "mL/min", 6m),
        ReadingKind.FiO2 => ("40", "%", 40m),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a quantity"),
    };

    public static IEnumerable<TestCaseData> GradedCodes() =>
        Graded.Select(g => new TestCaseData(g.Loinc, g.Kind).SetName($"Loinc_{g.Loinc}_{g.Meaning.Replace(' ', '_')}_Gives_{g.Kind}"));

    public static IEnumerable<TestCaseData> NotGradedCodes() =>
        NotGraded.Select(n => new TestCaseData(n.Loinc, n.Because).SetName($"Loinc_{n.Loinc}_IsStoredWithAWarningSayingWhy_NoReading"));

    private static string Coded(string json, params string[] loinc)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node["code"] = new JsonObject { ["coding"] = new JsonArray([.. loinc.Select(c => (JsonNode)new JsonObject { ["system"] = IngestSamples.Loinc, ["code"] = c })]) };
        return node.ToJsonString();
    }

    private static string Panel(string panelCode, string systolicCode = "8480-6", string diastolicCode = "8462-4") =>
        IngestSamples.BloodPressure("88", "52").Replace("\"85354-9\"", $"\"{panelCode}\"", StringComparison.Ordinal)
            .Replace("\"8480-6\"", $"\"{systolicCode}\"", StringComparison.Ordinal).Replace("\"8462-4\"", $"\"{diastolicCode}\"", StringComparison.Ordinal);

    [TestCaseSource(nameof(GradedCodes))]
    public void GradedCode(string loinc, ReadingKind kind)
    {
        var (value, unit, canonical) = Sample(kind);
        var result = IngestSamples.Ingest(IngestSamples.Quantity(loinc, value, unit), "Observation");
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        var reading = result.Readings.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Warnings, Is.Empty, "a code that grades is never answered with a warning");
            Assert.That(reading.Kind, Is.EqualTo(kind));
            Assert.That(reading.Value, Is.EqualTo(canonical));
            Assert.That(reading.OriginalValue, Is.EqualTo($"{value} {unit}"));
        }
    }

    [TestCaseSource(nameof(NotGradedCodes))]
    public void NotGradedCode(string loinc, string because)
    {
        var result = IngestSamples.Ingest(IngestSamples.Quantity(loinc, "37.2", "Cel"), "Observation");
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        var warning = result.Warnings.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Readings, Is.Empty);
            Assert.That(warning.Expression, Is.EqualTo(new[] { "Observation.code" }));
            Assert.That(warning.Diagnostics, Does.Contain($"LOINC {loinc}").And.Contain("is not graded").And.Contain(because).And.Contain("stored, not used for grading"));
        }
    }

    [Test]
    public void TheShippedTable_GradesExactlyTheCodesOfThisTest()
    {
        var table = JsonNode.Parse(File.ReadAllText(Path.Combine(IngestData.DefaultDirectory, IngestData.ObservationCodesFile)))!;
        var shipped = table["quantities"]!.AsArray().SelectMany(q => q!["codes"]!.AsArray().Select(c =>
            (Loinc: c!["code"]!.GetValue<string>(), Meaning: c["display"]!.GetValue<string>(), Kind: Enum.Parse<ReadingKind>(q["kind"]!.GetValue<string>()))));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(shipped, Is.EquivalentTo(Graded));
            Assert.That(table["bloodPressurePanel"]!["codes"]!.AsArray().Select(c => c!["code"]!.GetValue<string>()), Is.EquivalentTo(Panels));
            Assert.That(table["notGraded"]!.AsArray().Select(c => c!["code"]!.GetValue<string>()), Is.EquivalentTo(NotGraded.Select(n => n.Loinc)));
        }
    }

    [Test]
    public void OralTemperature_WithBodyTemperature_IsOneReading_AFeverOf38()
    {
        // The FHIR R4 body-temperature profile fixes 8310-5; the example f202 adds the site code 8331-1 beside it.
        var readings = IngestSamples.Readings(Coded(IngestSamples.Temperature("38.0"), "8310-5", "8331-1"));
        Assert.That(readings.Select(r => (r.Kind, r.Value)), Is.EqualTo(new[] { (ReadingKind.Temperature, (decimal?)38.0m) }));
    }

    [Test]
    public void OralTemperatureAlone_IsAFever_NotAMissingTemperature() =>
        Assert.That(IngestSamples.Readings(Coded(IngestSamples.Temperature("100.4", "[degF]"), "8331-1")).Single().Value, Is.EqualTo(38.0m));

    [Test]
    public void HeartRateByPulseOximetry_WithHeartRate_IsOneReading() =>
        Assert.That(IngestSamples.Readings(Coded(IngestSamples.HeartRate("131"), "8867-4", "8889-8")).Select(r => r.Kind), Is.EqualTo(new[] { ReadingKind.HeartRate }));

    [Test]
    public void SkinTemperature_CodedWithBodyTemperatureToo_IsNotGraded()
    {
        // A vital-signs-profile sender codes every temperature 8310-5 and says where in a second coding: that one decides.
        var result = IngestSamples.Ingest(Coded(IngestSamples.Temperature("38.4"), "8310-5", "61008-9"), "Observation");
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Readings, Is.Empty, "a skin temperature must not open a fever");
            Assert.That(result.Warnings.Single().Diagnostics, Does.Contain("LOINC 61008-9 Body surface temperature").And.Contain("CRS-FEVER"));
        }
    }

    [Test]
    public void CodesOfTwoQuantities_AreStillRefused()
    {
        var result = IngestSamples.Ingest(Coded(IngestSamples.Temperature(), "8331-1", "8889-8"), "Observation");
        Assert.That(result.Error?.StatusCode, Is.EqualTo(422));
        Assert.That(result.Error!.Outcome.Issue.Single().Diagnostics, Does.Contain("body temperature; heart rate"));
    }

    [TestCase("85354-9")]
    [TestCase("55284-4")]
    public void BloodPressurePanel_GivesSystolicAndDiastolic(string panel) =>
        Assert.That(IngestSamples.Readings(Panel(panel)).Select(r => (r.Kind, r.Value)), Is.EqualTo(new[]
        {
            (ReadingKind.SystolicBp, (decimal?)88m), (ReadingKind.DiastolicBp, (decimal?)52m),
        }));

    [Test]
    public void BothPanelCodesOnOnePanel_GiveTwoReadings_NotFour()
    {
        var json = Panel("85354-9").Replace("""{"system":"http://loinc.org","code":"85354-9"}""",
            """{"system":"http://loinc.org","code":"85354-9"},{"system":"http://loinc.org","code":"55284-4"}""", StringComparison.Ordinal);
        Assert.That(json, Does.Contain("55284-4"), "test setup");
        Assert.That(IngestSamples.Readings(json).Select(r => r.Kind), Is.EqualTo(new[] { ReadingKind.SystolicBp, ReadingKind.DiastolicBp }));
    }

    [TestCase("8459-0", "8453-3")]
    [TestCase("8460-8", "8454-1")]
    [TestCase("8461-6", "8455-8")]
    [TestCase("76215-3", "76213-8")]
    [TestCase("76534-7", "76535-4")]
    public void PanelWithPositionOrMethodComponents_GivesSystolicAndDiastolic(string systolic, string diastolic) =>
        Assert.That(IngestSamples.Readings(Panel("55284-4", systolic, diastolic)).Select(r => (r.Kind, r.Value)), Is.EqualTo(new[]
        {
            (ReadingKind.SystolicBp, (decimal?)88m), (ReadingKind.DiastolicBp, (decimal?)52m),
        }));

    [Test]
    public void PanelComponentCodedTwice_IsOneSystolic()
    {
        var json = Panel("85354-9").Replace("""{"system":"http://loinc.org","code":"8480-6"}""",
            """{"system":"http://loinc.org","code":"8480-6"},{"system":"http://loinc.org","code":"8459-0"}""", StringComparison.Ordinal);
        Assert.That(json, Does.Contain("8459-0"), "test setup");
        Assert.That(IngestSamples.Readings(json).Count(r => r.Kind == ReadingKind.SystolicBp), Is.EqualTo(1));
    }

    [Test]
    public void PanelWithAMeanPressureComponent_KeepsItWithAWarning()
    {
        var node = JsonNode.Parse(Panel("85354-9"))!.AsObject();
        node["component"]!.AsArray().Add(JsonNode.Parse("""
            {"code":{"coding":[{"system":"http://loinc.org","code":"8478-0"}]},"valueQuantity":{"value":64,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}
            """));
        var result = IngestSamples.Ingest(node.ToJsonString(), "Observation");
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Readings.Select(r => r.Kind), Is.EqualTo(new[] { ReadingKind.SystolicBp, ReadingKind.DiastolicBp }));
            Assert.That(result.Warnings.Single().Expression, Is.EqualTo(new[] { "Observation.component[2].code" }));
        }
    }
}
