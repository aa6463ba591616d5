using System.Globalization;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;
using static CrsMonitor.Service.Tests.Ingest.LabCodesTests;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// The ingest rules for laboratory Observations (issue 16): a unit the code does not take is a 422 naming
/// Observation.valueQuantity.code and listing the units it takes; a value outside the possible range a 422 naming the
/// value; a censored value (a comparator) is kept as sent with no number; FEU and DDU never mix; the vital-sign status
/// rules apply (entered-in-error keeps no reading, a retraction needs no time).
/// </summary>
public sealed class LabObservationRulesTests
{
    private static FhirError Refused(string json)
    {
        var result = IngestSamples.Ingest(json, "Observation");
        Assert.That(result.Error, Is.Not.Null, "accepted");
        Assert.That(result.Error!.StatusCode, Is.EqualTo(422), () => IngestSamples.Describe(result.Error));
        return result.Error;
    }

    private static string Mutate(string json, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    private static string Coded(string json, params string[] loincs) => Mutate(json, o =>
        o["code"] = new JsonObject { ["coding"] = new JsonArray([.. loincs.Select(c => (JsonNode)new JsonObject { ["system"] = IngestSamples.Loinc, ["code"] = c })]) });

    [Test]
    public void UnitNotTakenByTheCode_Is422NamingValueQuantityCode_ListingTheUnitsItTakes()
    {
        var issue = Refused(Lab("1988-5", "12", "mmol/L")).Outcome.Issue.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.valueQuantity.code" }));
            Assert.That(issue.Diagnostics, Does.Contain("'mmol/L' is not a unit accepted for C-reactive protein").And.Contain("use mg/L or mg/dL"));
            Assert.That(issue.Code, Is.EqualTo(OperationOutcome.IssueType.CodeInvalid));
        }
    }

    [Test]
    public void MolarCreatinineUnderTheMassCode_Is422_SayingWhichCodeTakesIt()
    {
        var issue = Refused(Lab("2160-0", "106", "umol/L")).Outcome.Issue.Single();
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.valueQuantity.code" }));
        Assert.That(issue.Diagnostics, Does.Contain("use mg/dL or mg/L").And.Contain("umol/L is the unit of LOINC 14682-9 Creatinine [Moles/volume] in Serum or Plasma"));
    }

    [TestCase("48065-7", "ng/mL{DDU}", "48066-5")]
    [TestCase("48066-5", "mg/L{FEU}", "48065-7")]
    public void DDimerWithTheOtherKindsAnnotation_Is422_FeuAndDduAreNeverConverted(string loinc, string unit, string other)
    {
        var issue = Refused(Lab(loinc, "500", unit)).Outcome.Issue.Single();
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.valueQuantity.code" }));
        Assert.That(issue.Diagnostics, Does.Contain($"LOINC {other}"));
    }

    [Test]
    public void DDimerCodedBothFeuAndDdu_Is422NamingTheCode() =>
        Assert.That(Refused(Coded(Lab("48065-7", "500", "ng/mL"), "48065-7", "48066-5")).Outcome.Issue.Single().Expression,
            Is.EqualTo(new[] { "Observation.code" }));

    [Test]
    public void CreatinineCodedByMassAndByMoles_Is422_NoUnitInCommon() =>
        Assert.That(Refused(Coded(Lab("2160-0", "1", "mg/dL"), "2160-0", "14682-9")).Outcome.Issue.Single().Diagnostics, Does.Contain("take no unit in common"));

    [Test]
    public void CrpAndHsCrpCodings_OnOneObservation_AreOneReading()
    {
        var readings = IngestSamples.Readings(Coded(Lab("1988-5", "3", "mg/L"), "1988-5", "30522-7"));
        Assert.That(readings.Select(r => (r.Kind, r.Code, r.Value)), Is.EqualTo(new[] { (ReadingKind.Lab, (string?)"crp", (decimal?)3m) }));
    }

    [Test]
    public void LabCodeBesideAVitalSignCode_Is422_TwoMeasurements() =>
        Assert.That(Refused(Coded(Lab("1988-5", "3", "mg/L"), "1988-5", "8310-5")).Outcome.Issue.Single().Diagnostics, Does.Contain("different measurements"));

    [TestCase("1988-5", "mg/L", "0", true)]
    [TestCase("1988-5", "mg/L", "1000", true)]
    [TestCase("1988-5", "mg/L", "1000.1", false)]
    [TestCase("1988-5", "mg/L", "-0.1", false)]
    [TestCase("777-3", "10*3/uL", "5000", true)]
    [TestCase("777-3", "10*3/uL", "5001", false)]
    [TestCase("2276-4", "ng/mL", "1000000", true)]
    [TestCase("2276-4", "ng/mL", "1000001", false)]
    [TestCase("14682-9", "umol/L", "3600", true)]
    [TestCase("14682-9", "umol/L", "3601", false)]
    [TestCase("48065-7", "ug/mL", "1000", true)]
    [TestCase("48065-7", "ug/mL", "1000.5", false)]
    public void ValueOutsideThePhysicallyPossibleRange_Is422NamingTheValue_TheEdgesAreAccepted(string loinc, string unit, string value, bool accepted)
    {
        var result = IngestSamples.Ingest(Lab(loinc, value, unit), "Observation");
        if (accepted)
        {
            Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
            return;
        }

        var issue = Refused(Lab(loinc, value, unit)).Outcome.Issue.Single();
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.valueQuantity.value" }));
        Assert.That(issue.Diagnostics, Does.Contain("outside the physically possible range"));
    }

    [TestCase("1988-5", "5", "mg/L", "<", "<5 mg/L")]
    [TestCase("2276-4", "100000", "ng/mL", ">", ">100000 ng/mL")]
    [TestCase("777-3", "10", "10*3/uL", "<=", "<=10 10*3/uL")]
    [TestCase("48065-7", "0.27", "ug/mL{FEU}", "<", "<0.27 ug/mL{FEU}")]
    public void CensoredValue_IsKeptAsSent_WithNoNumber(string loinc, string value, string unit, string comparator, string original)
    {
        var result = IngestSamples.Ingest(Lab(loinc, value, unit, comparator), "Observation");
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        var reading = result.Readings.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reading.Kind, Is.EqualTo(ReadingKind.Lab));
            Assert.That(reading.Value, Is.Null, "a censored result is a bound, never a guessed number");
            Assert.That(reading.OriginalValue, Is.EqualTo(original));
            Assert.That(result.Warnings, Is.Empty);
        }
    }

    [Test]
    public void CensoredValue_InAUnitNotTaken_IsStill422() =>
        Assert.That(Refused(Lab("1988-5", "5", "g/L", "<")).Outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Observation.valueQuantity.code" }));

    [Test]
    public void NoUnitCode_Is422RequiredNamingTheCode()
    {
        var issue = Refused(Mutate(Lab("1988-5", "5", "mg/L"), o => o["valueQuantity"]!.AsObject().Remove("code"))).Outcome.Issue.Single();
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.valueQuantity.code" }));
        Assert.That(issue.Code, Is.EqualTo(OperationOutcome.IssueType.Required));
    }

    [Test]
    public void UnitSystemNotUcum_Is422NamingTheSystem() =>
        Assert.That(Refused(Mutate(Lab("1988-5", "5", "mg/L"), o => o["valueQuantity"]!["system"] = "http://example.org/units")).Outcome.Issue.Single().Expression,
            Is.EqualTo(new[] { "Observation.valueQuantity.system" }));

    [Test]
    public void ValueAsText_Is422NamingValueString() =>
        Assert.That(Refused(Mutate(Lab("1988-5", "5", "mg/L"), o =>
        {
            o.Remove("valueQuantity");
            o["valueString"] = "5 mg/L";
        })).Outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Observation.valueString" }));

    [Test]
    public void NoValue_Is422_ButADataAbsentReasonIsAWarningWithNoReading()
    {
        Assert.That(Refused(Mutate(Lab("1988-5", "5", "mg/L"), o => o.Remove("valueQuantity"))).Outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Observation.value[x]" }));
        var absent = IngestSamples.Ingest(Mutate(Lab("1988-5", "5", "mg/L"), o =>
        {
            o.Remove("valueQuantity");
            o["dataAbsentReason"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = "http://terminology.hl7.org/CodeSystem/data-absent-reason", ["code"] = "error" }) };
        }), "Observation");
        Assert.That(absent.Error, Is.Null);
        Assert.That(absent.Readings, Is.Empty);
        Assert.That(absent.Warnings.Single().Expression, Is.EqualTo(new[] { "Observation.dataAbsentReason" }));
    }

    [Test]
    public void NoEffectiveTime_Is422NamingEffective() =>
        Assert.That(Refused(Mutate(Lab("1988-5", "5", "mg/L"), o => o.Remove("effectiveDateTime"))).Outcome.Issue.Single().Expression,
            Is.EqualTo(new[] { "Observation.effective[x]" }));

    [TestCase("entered-in-error")]
    [TestCase("cancelled")]
    public void Retraction_IsAcceptedWithNoReading_EvenWithoutATime(string status)
    {
        var result = IngestSamples.Ingest(Mutate(Lab("1988-5", "5", "mg/L"), o =>
        {
            o["status"] = status;
            o.Remove("effectiveDateTime");
        }), "Observation");
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        Assert.That(result.Readings, Is.Empty);
    }

    [Test]
    public void PreliminaryResult_IsAReading_RegisteredOneIsStoredWithAWarning()
    {
        Assert.That(IngestSamples.Readings(Mutate(Lab("1988-5", "5", "mg/L"), o => o["status"] = "preliminary")), Has.Count.EqualTo(1));
        var registered = IngestSamples.Ingest(Mutate(Lab("1988-5", "5", "mg/L"), o => o["status"] = "registered"), "Observation");
        Assert.That(registered.Readings, Is.Empty);
        Assert.That(registered.Warnings.Single().Expression, Is.EqualTo(new[] { "Observation.status" }));
    }

    [Test]
    public void SpecimenCollectionPeriod_PlacesTheResultAtItsStart()
    {
        var reading = IngestSamples.Readings(Mutate(Lab("1988-5", "5", "mg/L"), o =>
        {
            o.Remove("effectiveDateTime");
            o["effectivePeriod"] = new JsonObject { ["start"] = "2025-03-01T06:30:00+01:00", ["end"] = "2025-03-01T06:35:00+01:00" };
        })).Single();
        Assert.That(reading.EffectiveAt, Is.EqualTo(DateTimeOffset.Parse("2025-03-01T05:30:00Z", CultureInfo.InvariantCulture)));
        Assert.That(reading.EndAt, Is.Null, "a specimen time, not a period of effect");
    }

    [Test]
    public void ComponentOnALabResult_IsStoredWithAWarning_TheValueStillRead()
    {
        var result = IngestSamples.Ingest(Mutate(Lab("1988-5", "5", "mg/L"), o =>
            o["component"] = new JsonArray(new JsonObject
            {
                ["code"] = new JsonObject { ["text"] = "method" },
                ["valueString"] = "immunoturbidimetric",
            })), "Observation");
        Assert.That(result.Error, Is.Null);
        Assert.That(result.Readings.Single().Value, Is.EqualTo(5m));
        Assert.That(result.Warnings.Single().Expression, Is.EqualTo(new[] { "Observation.component[0].code" }));
    }
}
