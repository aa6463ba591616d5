using System.Text;
using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>Readings: canonical units by exact conversion, components, devices, neuro checks, drugs, retractions.</summary>
public sealed class NormaliserTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static Reading One(string json, string type = "Observation") => IngestSamples.Readings(json, type).Single();

    private static string Mutate(string json, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    [Test]
    public void Fahrenheit_100_4_Is38_0CelsiusExactly_AndKeepsTheValueAsSent()
    {
        var reading = One(IngestSamples.Temperature("100.4", "[degF]"));
        Assert.Multiple(() =>
        {
            Assert.That(reading.Kind, Is.EqualTo(ReadingKind.Temperature));
            Assert.That(reading.Value, Is.EqualTo(38.0m));
            Assert.That(reading.OriginalValue, Is.EqualTo("100.4 [degF]"));
            Assert.That(reading.PatientId, Is.EqualTo("p1"));
            Assert.That(reading.EffectiveAt, Is.EqualTo(At));
        });
    }

    [TestCase("98.6", "37")]
    [TestCase("104", "40")]
    [TestCase("77", "25")]
    [TestCase("113", "45")]
    public void Fahrenheit_ConvertsExactly(string fahrenheit, string celsius) =>
        Assert.That(One(IngestSamples.Temperature(fahrenheit, "[degF]")).Value, Is.EqualTo(decimal.Parse(celsius, System.Globalization.CultureInfo.InvariantCulture)));

    [Test]
    public void Fahrenheit_ThatHasNoFiniteCelsius_IsNotRounded()
    {
        // (101 − 32) × 5 ÷ 9 = 38.333…: kept to decimal precision, not rounded to one place.
        Assert.That(One(IngestSamples.Temperature("101", "[degF]")).Value, Is.EqualTo(69m * 5m / 9m));
    }

    [Test]
    public void Celsius_IsKeptAsSent()
    {
        var reading = One(IngestSamples.Temperature("38.25", "Cel"));
        Assert.That(reading.Value, Is.EqualTo(38.25m));
        Assert.That(reading.OriginalValue, Is.EqualTo("38.25 Cel"));
    }

    [Test]
    public void MillilitresPerMinute_6000_Is6LitresPerMinuteExactly()
    {
        var reading = One(IngestSamples.OxygenFlow("6000", "mL/min"));
        Assert.That(reading.Kind, Is.EqualTo(ReadingKind.OxygenFlow));
        Assert.That(reading.Value, Is.EqualTo(6m));
        Assert.That(reading.OriginalValue, Is.EqualTo("6000 mL/min"));
    }

    [Test]
    public void MillilitresPerMinute_750_Is0_75LitresPerMinute() => Assert.That(One(IngestSamples.OxygenFlow("750", "mL/min")).Value, Is.EqualTo(0.75m));

    [Test]
    public void BloodPressurePanel_GivesTwoReadings()
    {
        var readings = IngestSamples.Readings(IngestSamples.BloodPressure("118", "76"));
        Assert.That(readings.Select(r => (r.Kind, r.Value, r.Sequence, r.EffectiveAt)), Is.EqualTo(new[]
        {
            (ReadingKind.SystolicBp, (decimal?)118m, 0, At),
            (ReadingKind.DiastolicBp, (decimal?)76m, 1, At),
        }));
    }

    [Test]
    public void LoneSystolic_GivesOneReading() => Assert.That(One(IngestSamples.LoneSystolic("88")).Kind, Is.EqualTo(ReadingKind.SystolicBp));

    [Test]
    public void Spo2_WithFlowAndFiO2Components_GivesThreeReadings()
    {
        var readings = IngestSamples.Readings(IngestSamples.Spo2("91", "6000", "mL/min", "35"));
        Assert.That(readings.Select(r => (r.Kind, r.Value)), Is.EqualTo(new[]
        {
            (ReadingKind.Spo2, (decimal?)91m), (ReadingKind.OxygenFlow, (decimal?)6m), (ReadingKind.FiO2, (decimal?)35m),
        }));
    }

    [Test]
    public void Spo2_WithARoomAirDeviceComponent_IsMarkedRoomAir()
    {
        var json = Mutate(IngestSamples.Quantity("59408-5", "97", "%"), o => o["component"] = new JsonArray(JsonNode.Parse($$$"""
            {"code":{"coding":[{"system":"{{{IngestSamples.Ours}}}","code":"oxygen-device"}]},"valueCodeableConcept":{"coding":[{"system":"{{{IngestSamples.Devices}}}","code":"room-air"}]}}
            """)));
        var readings = IngestSamples.Readings(json);
        Assert.That(readings.Select(r => (r.Kind, r.Code)), Is.EqualTo(new[] { (ReadingKind.Spo2, "room-air"), (ReadingKind.OxygenDevice, "room-air") }));
    }

    [Test]
    public void OxygenDevice_OurCode_WithQualifierComponentAndFlow()
    {
        var readings = IngestSamples.Readings(IngestSamples.OxygenDevice("high-flow-nasal-cannula", qualifier: "for-comfort"));
        Assert.That(readings.Select(r => (r.Kind, r.Code, r.Qualifier, r.Value)), Is.EqualTo(new[]
        {
            (ReadingKind.OxygenDevice, "high-flow-nasal-cannula", "for-comfort", (decimal?)null),
            (ReadingKind.OxygenFlow, (string?)null, (string?)null, (decimal?)4m),
        }));
    }

    [Test]
    public void OxygenDevice_QualifierByExtension()
    {
        var json = Mutate(IngestSamples.OxygenDevice(), o => o["extension"] = new JsonArray(JsonNode.Parse(
            """{"url":"https://crsmonitor.org/fhir/StructureDefinition/oxygen-device-qualifier","valueCode":"at-baseline"}""")));
        Assert.That(IngestSamples.Readings(json)[0].Qualifier, Is.EqualTo("at-baseline"));
    }

    [TestCase("336623009", "nasal-cannula")]
    [TestCase("427591007", "non-rebreather")]
    [TestCase("428285009", "venturi-mask")]
    [TestCase("425478008", "blow-by")]
    [TestCase("464233000", "simple-face-mask")]
    [TestCase("704718009", "cpap")]
    [TestCase("26412008", "mechanical-ventilation")]
    public void OxygenDevice_SnomedCode_IsMapped(string snomed, string device)
    {
        var reading = IngestSamples.Readings(IngestSamples.OxygenDevice(snomed, "http://snomed.info/sct"))[0];
        Assert.That((reading.Kind, reading.Code), Is.EqualTo((ReadingKind.OxygenDevice, device)));
    }

    [Test]
    public void OxygenDevice_SnomedAndOurCodeAgreeing_IsOneDevice()
    {
        var json = Mutate(IngestSamples.OxygenDevice("non-rebreather"), o => o["valueCodeableConcept"]!["coding"]!.AsArray().Add(JsonNode.Parse(
            """{"system":"http://snomed.info/sct","code":"427591007"}""")));
        Assert.That(IngestSamples.Readings(json)[0].Code, Is.EqualTo("non-rebreather"));
    }

    [Test]
    public void NeuroCheckResponse_GivesOneReadingWithTheCalculatorsFieldNames()
    {
        var reading = One(IngestSamples.NeuroCheckResponse(), "QuestionnaireResponse");
        Assert.That(reading.Kind, Is.EqualTo(ReadingKind.NeuroCheck));
        Assert.That(reading.EffectiveAt, Is.EqualTo(At));
        Assert.That(reading.Detail?.Json, Is.EqualTo("""
            {"orientationYear":true,"orientationMonth":true,"orientationCity":false,"orientationHospital":true,"namingCount":2,"followsCommands":true,"writesSentence":true,"countsBackwards":true,"consciousness":"alert","icp":["focal-edema","papilledema"]}
            """));
    }

    [Test]
    public void NeuroCheckResponse_IceNotPossible_WithTheDomains()
    {
        var json = Mutate(IngestSamples.NeuroCheckResponse(), o => o["item"] = JsonNode.Parse($$$"""
            [{"linkId":"iceNotPossibleReason","answer":[{"valueCoding":{"system":"{{{IngestSamples.Neuro}}}","code":"unarousable"} }]},
             {"linkId":"consciousness","answer":[{"valueCoding":{"system":"{{{IngestSamples.Neuro}}}","code":"unarousable"}}]},
             {"linkId":"sedated","answer":[{"valueBoolean":false}]},
             {"linkId":"seizure","answer":[{"valueCoding":{"system":"{{{IngestSamples.Neuro}}}","code":"prolonged-over-5-min"}}]},
             {"linkId":"motor","answer":[{"valueCoding":{"system":"{{{IngestSamples.Neuro}}}","code":"deep-focal-weakness"}}]},
             {"linkId":"icp","answer":[{"valueCoding":{"system":"{{{IngestSamples.Neuro}}}","code":"none"}}]},
             {"linkId":"excludedFindings","answer":[{"valueCoding":{"system":"{{{IngestSamples.Neuro}}}","code":"tremor"}},{"valueCoding":{"system":"{{{IngestSamples.Neuro}}}","code":"myoclonus"}}]}]
            """));
        Assert.That(One(json, "QuestionnaireResponse").Detail?.Json, Is.EqualTo("""
            {"iceNotPossibleReason":"unarousable","consciousness":"unarousable","sedated":false,"seizure":"prolonged-over-5-min","motor":"deep-focal-weakness","icp":["none"],"excludedFindings":["tremor","myoclonus"]}
            """));
    }

    [Test]
    public void NeuroCheckResponse_AtAnOffset_IsPlacedInUtc()
    {
        var json = Mutate(IngestSamples.NeuroCheckResponse(), o => o["authored"] = "2025-03-01T10:00:00+02:00");
        Assert.That(One(json, "QuestionnaireResponse").EffectiveAt, Is.EqualTo(At));
    }

    [Test]
    public void NeuroCheckPanel_GivesOneReadingLikeTheQuestionnaire()
    {
        var reading = One(IngestSamples.NeuroCheckPanel());
        Assert.That(reading.Kind, Is.EqualTo(ReadingKind.NeuroCheck));
        Assert.That(reading.Detail?.Json, Is.EqualTo("""
            {"orientationYear":true,"orientationMonth":true,"orientationCity":true,"orientationHospital":true,"namingCount":3,"followsCommands":true,"writesSentence":false,"countsBackwards":true,"seizure":"none","excludedFindings":["tremor"]}
            """));
    }

    [Test]
    public void RunningInfusion_HasNoEnd()
    {
        var reading = One(IngestSamples.Medication(), "MedicationAdministration");
        Assert.Multiple(() =>
        {
            Assert.That(reading.Kind, Is.EqualTo(ReadingKind.Medication));
            Assert.That(reading.Code, Is.EqualTo("norepinephrine"));
            Assert.That(reading.Qualifier, Is.EqualTo("vasopressor"));
            Assert.That(reading.EffectiveAt, Is.EqualTo(At));
            Assert.That(reading.EndAt, Is.Null);
            Assert.That(reading.OriginalValue, Is.EqualTo("0.1 ug/kg/min"));
        });
    }

    [Test]
    public void CompletedInfusion_EndsAtThePeriodEnd()
    {
        var reading = One(IngestSamples.Medication(status: "completed", effective: """
            "effectivePeriod":{"start":"2025-03-01T08:00:00Z","end":"2025-03-01T09:30:00+01:00"}
            """), "MedicationAdministration");
        Assert.That(reading.EndAt, Is.EqualTo(At.AddMinutes(30)));
    }

    [Test]
    public void StoppedInfusion_CountsWithItsEnd()
    {
        var reading = One(IngestSamples.Medication(status: "stopped", effective: """
            "effectivePeriod":{"start":"2025-03-01T08:00:00Z","end":"2025-03-01T08:10:00Z"}
            """), "MedicationAdministration");
        Assert.That(reading.EndAt, Is.EqualTo(At.AddMinutes(10)));
    }

    [Test]
    public void SingleDose_StartsAndEndsAtItsInstant()
    {
        var reading = One(IngestSamples.Medication(code: "3264", status: "completed", effective: "\"effectiveDateTime\":\"2025-03-01T08:00:00Z\""), "MedicationAdministration");
        Assert.That((reading.Code, reading.Qualifier, reading.EffectiveAt, reading.EndAt), Is.EqualTo(("dexamethasone", "corticosteroid", At, (DateTimeOffset?)At)));
    }

    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "7512", "norepinephrine", "vasopressor")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "3992", "epinephrine", "vasopressor")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "8163", "phenylephrine", "vasopressor")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "3628", "dopamine", "vasopressor")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "11149", "vasopressin", "vasopressin")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "3616", "dobutamine", "inotrope")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "52769", "milrinone", "inotrope")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "612865", "tocilizumab", "anti-cytokine")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "1535218", "siltuximab", "anti-cytokine")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "3264", "dexamethasone", "corticosteroid")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "6902", "methylprednisolone", "corticosteroid")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "161", "acetaminophen", "antipyretic")]
    [TestCase("http://www.nlm.nih.gov/research/umls/rxnorm", "5640", "ibuprofen", "antipyretic")]
    [TestCase("https://crsmonitor.org/fhir/CodeSystem/medication", "tarlatamab", "tarlatamab", "protocol-drug")]
    [TestCase("https://crsmonitor.org/fhir/CodeSystem/medication", "teclistamab", "teclistamab", "protocol-drug")]
    [TestCase("https://crsmonitor.org/fhir/CodeSystem/medication", "glofitamab", "glofitamab", "protocol-drug")]
    public void Drug_IsKnownByTheDrugMap(string system, string code, string key, string drugClass)
    {
        var reading = One(IngestSamples.Medication(system, code), "MedicationAdministration");
        Assert.That((reading.Code, reading.Qualifier), Is.EqualTo((key, drugClass)));
    }

    [Test]
    public void Drug_MatchedAmongOtherCodings()
    {
        var json = Mutate(IngestSamples.Medication(code: "7512"), o => o["medicationCodeableConcept"]!["coding"]!.AsArray().Insert(0, JsonNode.Parse(
            """{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"242969","display":"norepinephrine 1 MG/ML Injectable Solution"}""")));
        Assert.That(One(json, "MedicationAdministration").Code, Is.EqualTo("norepinephrine"));
    }

    [TestCase("fever-attributed-other-cause", "\"valueBoolean\":true", 1)]
    [TestCase("hypotension-attributed-other-cause", "\"valueBoolean\":false", 0)]
    [TestCase("crs-death", "\"valueBoolean\":true", 1)]
    [TestCase("baseline-ice-score", "\"valueInteger\":7", 7)]
    [TestCase("capd-baseline", "\"valueInteger\":0", 0)]
    [TestCase("developmental-delay", "\"valueBoolean\":true", 1)]
    public void ClinicianInput_IsAReading(string code, string value, int expected)
    {
        var reading = One(IngestSamples.ClinicianInput(code, value));
        Assert.That((reading.Kind, reading.Code, reading.Value), Is.EqualTo((ReadingKind.ClinicianInput, code, (decimal?)expected)));
    }

    [TestCase("entered-in-error")]
    [TestCase("cancelled")]
    public void RetractedObservation_GivesNoReading(string status) =>
        Assert.That(IngestSamples.Readings(Mutate(IngestSamples.BloodPressure(), o => o["status"] = status)), Is.Empty);

    [TestCase("entered-in-error")]
    [TestCase("not-done")]
    public void RetractedAdministration_GivesNoReading(string status) =>
        Assert.That(IngestSamples.Readings(IngestSamples.Medication(status: status), "MedicationAdministration"), Is.Empty);

    [Test]
    public void RetractedNeuroCheck_GivesNoReading() =>
        Assert.That(IngestSamples.Readings(Mutate(IngestSamples.NeuroCheckResponse(), o => o["status"] = "entered-in-error"), "QuestionnaireResponse"), Is.Empty);

    [TestCase("preliminary")]
    [TestCase("amended")]
    [TestCase("corrected")]
    public void ResultStatusesThatCount(string status) =>
        Assert.That(IngestSamples.Readings(Mutate(IngestSamples.HeartRate(), o => o["status"] = status)), Has.Count.EqualTo(1));

    [Test]
    public void EffectiveWithOffset_IsStoredInUtc()
    {
        var reading = One(IngestSamples.Quantity("8867-4", "80", "/min", at: "2025-03-01T03:00:00-05:00"));
        Assert.That(reading.EffectiveAt, Is.EqualTo(At));
        Assert.That(reading.EffectiveAt.Offset, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void EffectivePeriod_PlacesTheReadingAtItsStart()
    {
        var json = Mutate(IngestSamples.HeartRate(), o =>
        {
            o.Remove("effectiveDateTime");
            o["effectivePeriod"] = JsonNode.Parse("""{"start":"2025-03-01T08:00:00Z","end":"2025-03-01T08:05:00Z"}""");
        });
        Assert.That(One(json).EffectiveAt, Is.EqualTo(At));
    }

    [Test]
    public void Readings_CarryTheirSource()
    {
        var resource = FhirJson.Parse(Encoding.UTF8.GetBytes(IngestSamples.BloodPressure()), "Observation").Resource!;
        var source = new ReadingSource("Observation", "obs-9", 3);
        Assert.That(IngestSamples.Normaliser.ToReadings(resource, source).Select(r => r.Source), Is.All.EqualTo(source));
    }

    [Test]
    public void Hl7BloodPressureExample_IsAcceptedWithTheWarningAndNoReading()
    {
        var result = IngestSamples.Ingest(Hl7Examples.BloodPressure, "Observation");
        Assert.That(result.Error, Is.Null);
        Assert.That(result.Readings, Is.Empty);
        Assert.That(result.Warnings.Select(w => w.Diagnostics), Is.EqualTo(new[] { "Observation.effective[x] has no time of day: stored, not used for grading" }));
    }

    [Test]
    public void Hl7TemperatureExample_IsAcceptedWithTheWarningAndNoReading()
    {
        var result = IngestSamples.Ingest(Hl7Examples.Temperature, "Observation");
        Assert.That(result.Error, Is.Null);
        Assert.That(result.Readings, Is.Empty);
        Assert.That(result.Warnings.Select(w => w.Diagnostics), Is.EqualTo(new[] { "Observation.effective[x] has no time of day: stored, not used for grading" }));
    }

    [Test]
    public void Hl7Spo2Example_GivesSpo2AndFlow()
    {
        var result = IngestSamples.Ingest(Hl7Examples.SatO2FiO2, "Observation");
        Assert.That(result.Error, Is.Null);
        Assert.That(result.Warnings, Is.Empty);
        var at = new DateTimeOffset(2014, 12, 5, 8, 30, 10, TimeSpan.Zero);
        Assert.That(result.Readings.Select(r => (r.PatientId, r.Kind, r.Value, r.EffectiveAt, r.OriginalValue)), Is.EqualTo(new[]
        {
            ("example", ReadingKind.Spo2, (decimal?)95m, at, "95 %"),
            ("example", ReadingKind.OxygenFlow, (decimal?)6m, at, "6 L/min"),
        }));
    }

    [Test]
    public void PatientIdOf_EachResourceType()
    {
        Resource Parse(string json, string type) => FhirJson.Parse(Encoding.UTF8.GetBytes(json), type).Resource!;
        Assert.Multiple(() =>
        {
            Assert.That(Normaliser.PatientIdOf(Parse(IngestSamples.Temperature(), "Observation")), Is.EqualTo("p1"));
            Assert.That(Normaliser.PatientIdOf(Parse(IngestSamples.Medication(), "MedicationAdministration")), Is.EqualTo("p1"));
            Assert.That(Normaliser.PatientIdOf(Parse(IngestSamples.NeuroCheckResponse(), "QuestionnaireResponse")), Is.EqualTo("p1"));
            Assert.That(Normaliser.PatientIdOf(Parse(IngestSamples.Encounter, "Encounter")), Is.EqualTo("p1"));
            Assert.That(Normaliser.PatientIdOf(Parse("""{"resourceType":"Patient","id":"p7"}""", "Patient")), Is.EqualTo("p7"));
            Assert.That(Normaliser.PatientIdOf(Parse(IngestSamples.Location, "Location")), Is.Null);
            Assert.That(Normaliser.PatientIdOf(new Observation { Subject = new ResourceReference("urn:uuid:0f4e1c52-8a43-4b47-9f0e-3f1d2c3b4a5e") }), Is.Null);
        });
    }

    [Test]
    public void ToReadings_WithAnUnresolvedBundleReference_GivesNoReadingAndDoesNotThrow()
    {
        var json = Mutate(IngestSamples.HeartRate(), o => o["subject"]!["reference"] = "urn:uuid:0f4e1c52-8a43-4b47-9f0e-3f1d2c3b4a5e");
        var resource = FhirJson.Parse(Encoding.UTF8.GetBytes(json), "Observation").Resource!;
        Assert.That(IngestSamples.Normaliser.ToReadings(resource, new ReadingSource("Observation", "o", 1)), Is.Empty);
    }

    [Test]
    public void ToReadings_OfAResourceThatBreaksTheRules_Throws()
    {
        var resource = FhirJson.Parse(Encoding.UTF8.GetBytes(IngestSamples.Temperature("311", "K")), "Observation").Resource!;
        Assert.That(() => IngestSamples.Normaliser.ToReadings(resource, new ReadingSource("Observation", "o", 1)), Throws.ArgumentException);
    }
}
