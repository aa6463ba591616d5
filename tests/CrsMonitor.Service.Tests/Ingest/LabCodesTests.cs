using System.Globalization;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// Every laboratory code and unit of lab-codes.json (issue 16): each (LOINC code, UCUM unit) a hospital LIS sends gives
/// one Lab reading of its analyte, its value converted exactly to the analyte's canonical unit (the factor written out
/// here, apart from the table), the value and unit as sent kept, and FEU or DDU on a D-dimer. The codes, units and
/// factors of this test must equal the table (<see cref="TheShippedTable_HasExactlyTheCodesAndUnitsOfThisTest"/>), so a
/// code or unit added without a test of its own fails.
/// </summary>
public sealed class LabCodesTests
{
    /// <summary>(LOINC, analyte, UCUM unit, canonical per sent unit as multiply/divide, qualifier).</summary>
    private static readonly (string Loinc, string Analyte, string Unit, decimal Multiply, decimal Divide, string? Qualifier)[] Expected =
    [
        .. Each(["1988-5", "30522-7"], LabAnalytes.Crp, ("mg/L", 1, 1), ("mg/dL", 10, 1)),
        .. Each(["2276-4"], LabAnalytes.Ferritin, ("ng/mL", 1, 1), ("ug/L", 1, 1)),
        .. Each(["26881-3"], LabAnalytes.Il6, ("pg/mL", 1, 1), ("ng/L", 1, 1), ("ng/mL", 1000, 1)),
        .. Each(["2532-0", "14804-9"], LabAnalytes.Ldh, ("U/L", 1, 1), ("[IU]/L", 1, 1), ("ukat/L", 60, 1)),
        .. Each(["777-3", "26515-7"], LabAnalytes.Platelets, ("10*9/L", 1, 1), ("10*3/uL", 1, 1), ("/nL", 1, 1)),
        .. Each(["2160-0", "38483-4"], LabAnalytes.Creatinine, ("mg/dL", 1, 1), ("mg/L", 1, 10)),
        .. Each(["14682-9"], LabAnalytes.Creatinine, ("umol/L", 1, 88.4m), ("mmol/L", 1000, 88.4m)),
        .. Each(["1920-8", "30239-8"], LabAnalytes.Ast, ("U/L", 1, 1), ("[IU]/L", 1, 1), ("ukat/L", 60, 1)),
        .. Each(["1742-6", "1743-4"], LabAnalytes.Alt, ("U/L", 1, 1), ("[IU]/L", 1, 1), ("ukat/L", 60, 1)),
        .. Each(["3255-7"], LabAnalytes.Fibrinogen, ("mg/dL", 1, 1), ("g/L", 100, 1)),
        .. DDimer("48065-7", "FEU"),
        .. DDimer("48066-5", "DDU"),
    ];

    private static IEnumerable<(string, string, string, decimal, decimal, string?)> Each(
        string[] codes, string analyte, params (string Unit, decimal Multiply, decimal Divide)[] units) =>
        codes.SelectMany(code => units.Select(u => (code, analyte, u.Unit, u.Multiply, u.Divide, (string?)null)));

    /// <summary>A D-dimer code takes its own annotation or none, never the other's: FEU and DDU are never converted into each other.</summary>
    private static IEnumerable<(string, string, string, decimal, decimal, string?)> DDimer(string code, string qualifier) =>
        new (string Unit, decimal Multiply)[] { ("ng/mL", 1), ("ug/L", 1), ("ug/mL", 1000), ("mg/L", 1000) }
            .SelectMany(u => new[] { u.Unit, $"{u.Unit}{{{qualifier}}}" }.Select(unit => (code, LabAnalytes.DDimer, unit, u.Multiply, 1m, (string?)qualifier)));

    public static IEnumerable<TestCaseData> Cases() =>
        Expected.Select(e => new TestCaseData(e.Loinc, e.Analyte, e.Unit, e.Multiply, e.Divide, e.Qualifier).SetArgDisplayNames($"{e.Loinc} {e.Unit}"));

    public static string Lab(string loinc, string value, string unit, string? comparator = null, string at = IngestSamples.At) => $$$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
         "code":{"coding":[{"system":"{{{IngestSamples.Loinc}}}","code":"{{{loinc}}}"}]},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"{{{at}}}",
         "valueQuantity":{"value":{{{value}}},{{{(comparator is null ? string.Empty : $"\"comparator\":\"{comparator}\",")}}}"unit":"{{{unit}}}","system":"{{{IngestSamples.Ucum}}}","code":"{{{unit}}}"}}
        """;

    [TestCaseSource(nameof(Cases))]
    public void EveryCodeAndUnit_GivesOneLabReading_ConvertedExactly(string loinc, string analyte, string unit, decimal multiply, decimal divide, string? qualifier)
    {
        const decimal Sent = 2.5m;
        var result = IngestSamples.Ingest(Lab(loinc, "2.5", unit), "Observation");
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        var reading = result.Readings.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reading.Kind, Is.EqualTo(ReadingKind.Lab));
            Assert.That(reading.Code, Is.EqualTo(analyte));
            Assert.That(reading.Value, Is.EqualTo(Sent * multiply / divide));
            Assert.That(reading.OriginalValue, Is.EqualTo($"2.5 {unit}"));
            Assert.That(reading.Qualifier, Is.EqualTo(qualifier));
            Assert.That(reading.EffectiveAt, Is.EqualTo(DateTimeOffset.Parse(IngestSamples.At, CultureInfo.InvariantCulture)));
            Assert.That(result.Warnings, Is.Empty, "a code CrsMonitor understands: no warning");
        }
    }

    [Test]
    public void TheShippedTable_HasExactlyTheCodesAndUnitsOfThisTest()
    {
        var table = JsonNode.Parse(File.ReadAllText(Path.Combine(IngestData.DefaultDirectory, IngestData.LabCodesFile)))!;
        var shipped = new List<(string, string, string, decimal, decimal, string?)>();
        foreach (var analyte in table["analytes"]!.AsArray())
        {
            var units = analyte!["units"]!.AsArray().ToDictionary(u => u!["code"]!.GetValue<string>(), u => u!);
            foreach (var code in analyte["codes"]!.AsArray())
            {
                var own = code!["units"]?.AsArray().Select(u => u!.GetValue<string>()) ?? units.Keys;
                foreach (var unit in own)
                {
                    var rule = units[unit];
                    shipped.Add((code["code"]!.GetValue<string>(), analyte["key"]!.GetValue<string>(), unit,
                        rule["multiply"]?.GetValue<decimal>() ?? 1, rule["divide"]?.GetValue<decimal>() ?? 1, code["qualifier"]?.GetValue<string>()));
                }
            }
        }

        Assert.That(shipped, Is.EquivalentTo(Expected));
    }

    [Test]
    public void TheShippedTable_IsTheContractsTenAnalytes_InTheirCanonicalUnits()
    {
        var table = JsonNode.Parse(File.ReadAllText(Path.Combine(IngestData.DefaultDirectory, IngestData.LabCodesFile)))!;
        var analytes = table["analytes"]!.AsArray().Select(a => (a!["key"]!.GetValue<string>(), a["canonicalUnit"]!.GetValue<string>()));
        Assert.That(analytes, Is.EquivalentTo(new[]
        {
            ("crp", "mg/L"), ("ferritin", "ng/mL"), ("il-6", "pg/mL"), ("ldh", "U/L"), ("platelets", "10*9/L"),
            ("creatinine", "mg/dL"), ("ast", "U/L"), ("alt", "U/L"), ("fibrinogen", "mg/dL"), ("d-dimer", "ng/mL"),
        }));
    }

    [Test]
    public void CreatinineInMicromolesPerLitre_IsDividedBy88_4_Exactly()
    {
        var reading = IngestSamples.Readings(Lab("14682-9", "106", "umol/L")).Single();
        Assert.That(reading.Value, Is.EqualTo(106m / 88.4m));
        Assert.That(reading.Value, Is.EqualTo(1.1990950226244343891402714932m));
        Assert.That(reading.OriginalValue, Is.EqualTo("106 umol/L"));
    }

    [Test]
    public void LdhInMicrokatalsPerLitre_IsTimes60_AndFibrinogenInGramsPerLitre_Times100()
    {
        Assert.That(IngestSamples.Readings(Lab("2532-0", "4.25", "ukat/L")).Single().Value, Is.EqualTo(255.00m));
        Assert.That(IngestSamples.Readings(Lab("3255-7", "3.45", "g/L")).Single().Value, Is.EqualTo(345.00m));
    }
}
