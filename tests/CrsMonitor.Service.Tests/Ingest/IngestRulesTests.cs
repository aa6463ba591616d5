using System.Text.Json.Nodes;
using CrsMonitor.Service.Ingest;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// Our rules beyond the parser: a 422 whose issues name each element broken (under the caller's prefix), or
/// acceptance with warnings for what is kept but not used.
/// </summary>
public sealed class IngestRulesTests
{
    private static FhirError Refused(string json, string type = "Observation", string? prefix = null)
    {
        var result = IngestSamples.Ingest(json, type, prefix);
        Assert.That(result.Error, Is.Not.Null, "accepted");
        Assert.That(result.Error!.StatusCode, Is.EqualTo(422), () => IngestSamples.Describe(result.Error));
        return result.Error;
    }

    private static IEnumerable<string?> Expressions(FhirError error) => error.Outcome.Issue.SelectMany(i => i.Expression);

    private static IngestResult Accepted(string json, string type = "Observation")
    {
        var result = IngestSamples.Ingest(json, type);
        Assert.That(result.Error, Is.Null, () => IngestSamples.Describe(result.Error!));
        return result;
    }

    private static string Mutate(string json, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    [Test]
    public void Observation_WithoutSubject_Is422NamingSubject() =>
        Assert.That(Expressions(Refused(Mutate(IngestSamples.Temperature(), o => o.Remove("subject")))), Has.Member("Observation.subject"));

    [Test]
    public void Observation_SubjectNotAPatient_Is422NamingTheReference() =>
        Assert.That(Expressions(Refused(Mutate(IngestSamples.HeartRate(), o => o["subject"]!["reference"] = "Group/ward-7"))),
            Has.Member("Observation.subject.reference"));

    [Test]
    public void Observation_WithoutEffectiveTime_Is422NamingEffective() =>
        Assert.That(Expressions(Refused(Mutate(IngestSamples.HeartRate(), o => o.Remove("effectiveDateTime")))), Has.Member("Observation.effective[x]"));

    [TestCase("entered-in-error")]
    [TestCase("cancelled")]
    public void Observation_RetractionWithoutEffectiveTime_IsAcceptedWithNoReading(string status)
    {
        var result = Accepted(Mutate(IngestSamples.HeartRate(), o =>
        {
            o.Remove("effectiveDateTime");
            o["status"] = status;
        }));
        Assert.That(result.Readings, Is.Empty);
    }

    [Test]
    public void Observation_UnknownUnitForAKnownCode_Is422NamingTheUnitCode()
    {
        var error = Refused(IngestSamples.Temperature("311.5", "K"));
        var issue = error.Outcome.Issue.Single();
        Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.valueQuantity.code" }));
        Assert.That(issue.Diagnostics, Does.Contain("'K'").And.Contain("Cel or [degF]"));
    }

    [TestCase("8310-5", "Cel", "25", "45", "24.99", "45.01")]
    [TestCase("8310-5", "[degF]", "77", "113", "76.99", "113.01")]
    [TestCase("8867-4", "/min", "0", "300", "-1", "301")]
    [TestCase("9279-1", "/min", "0", "100", "-1", "101")]
    [TestCase("8480-6", "mm[Hg]", "0", "300", "-1", "301")]
    [TestCase("8462-4", "mm[Hg]", "0", "250", "-1", "251")]
    [TestCase("59408-5", "%", "0", "100", "-0.1", "100.1")]
    [TestCase("2708-6", "%", "0", "100", "-0.1", "100.1")]
    [TestCase("3150-0", "%", "0", "100", "-0.1", "100.1")]
    [TestCase("3151-8", "L/min", "0", "80", "-0.5", "80.5")]
    [TestCase("3151-8", "mL/min", "0", "80000", "-1", "80001")]
    public void Observation_PhysicalRange_BothEndsAcceptedJustOutsideRefused(string loinc, string unit, string min, string max, string below, string above)
    {
        Accepted(IngestSamples.Quantity(loinc, min, unit));
        Accepted(IngestSamples.Quantity(loinc, max, unit));
        foreach (var outside in new[] { below, above })
        {
            var issue = Refused(IngestSamples.Quantity(loinc, outside, unit)).Outcome.Issue.Single();
            Assert.That(issue.Expression, Is.EqualTo(new[] { "Observation.valueQuantity.value" }));
            Assert.That(issue.Diagnostics, Does.Contain("physically possible"));
        }
    }

    [Test]
    public void BloodPressure_DiastolicNotBelowSystolic_Is422() =>
        Assert.That(Expressions(Refused(IngestSamples.BloodPressure("100", "100"))), Has.Member("Observation.component[1].valueQuantity.value"));

    [Test]
    public void Observation_UnknownCode_IsAcceptedWithAWarningAndNoReading()
    {
        var result = Accepted(IngestSamples.Quantity("2339-0", "5.4", "mmol/L"));
        Assert.That(result.Readings, Is.Empty);
        Assert.That(result.Warnings.Single().Expression, Is.EqualTo(new[] { "Observation.code" }));
        Assert.That(result.Warnings.Single().Diagnostics, Does.Contain("http://loinc.org|2339-0").And.Contain("stored, not used for grading"));
        Assert.That(result.Warnings.Single().Severity, Is.EqualTo(OperationOutcome.IssueSeverity.Warning));
    }

    [Test]
    public void Observation_DateOnlyEffective_IsAcceptedWithTheContractWarningAndNoReading()
    {
        var result = Accepted(IngestSamples.Quantity("8310-5", "37", "Cel", at: "2025-03-01"));
        Assert.That(result.Readings, Is.Empty);
        Assert.That(result.Warnings.Single().Diagnostics, Is.EqualTo("Observation.effective[x] has no time of day: stored, not used for grading"));
    }

    [Test]
    public void ExpressionsAreUnderTheCallersPrefix()
    {
        var error = Refused(IngestSamples.Temperature("311.5", "K"), prefix: "Bundle.entry[2].resource");
        Assert.That(error.Outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Bundle.entry[2].resource.valueQuantity.code" }));
        Assert.That(error.Outcome.Issue.Single().Diagnostics, Does.StartWith("Bundle.entry[2].resource.valueQuantity.code"));
    }

    [Test]
    public void UrnUuidSubject_IsAcceptedInABundleOnly()
    {
        var json = Mutate(IngestSamples.Temperature(), o => o["subject"]!["reference"] = "urn:uuid:0f4e1c52-8a43-4b47-9f0e-3f1d2c3b4a5e");
        var resource = FhirJson.Parse(System.Text.Encoding.UTF8.GetBytes(json), "Observation").Resource!;
        Assert.That(IngestSamples.Rules.Check(resource, "Bundle.entry[0].resource").Error, Is.Null);
        Assert.That(IngestSamples.Rules.Check(resource, "Observation").Error, Is.Not.Null);
    }

    [Test]
    public void AllProblemsAreReportedAtOnce()
    {
        var json = Mutate(IngestSamples.BloodPressure("400", "80"), o =>
        {
            o.Remove("subject");
            o["component"]![1]!["valueQuantity"]!["code"] = "mmHg";
        });
        Assert.That(Expressions(Refused(json)), Is.SupersetOf(new[]
        {
            "Observation.subject", "Observation.component[0].valueQuantity.value", "Observation.component[1].valueQuantity.code",
        }));
    }

    [Test]
    public void Medication_UnknownDrug_IsAcceptedWithAWarningAndNoReading()
    {
        var result = Accepted(IngestSamples.Medication(code: "1191"), "MedicationAdministration");
        Assert.That(result.Readings, Is.Empty);
        Assert.That(result.Warnings.Single().Expression, Is.EqualTo(new[] { "MedicationAdministration.medicationCodeableConcept" }));
    }

    [Test]
    public void Medication_ByReference_IsAcceptedWithAWarningAndNoReading()
    {
        var json = Mutate(IngestSamples.Medication(), o =>
        {
            o.Remove("medicationCodeableConcept");
            o["medicationReference"] = new JsonObject { ["reference"] = "Medication/m1" };
        });
        var result = Accepted(json, "MedicationAdministration");
        Assert.That(result.Readings, Is.Empty);
        Assert.That(result.Warnings.Single().Expression, Is.EqualTo(new[] { "MedicationAdministration.medicationReference" }));
    }

    [Test]
    public void Medication_PeriodEndBeforeStart_Is422() =>
        Assert.That(Expressions(Refused(IngestSamples.Medication(effective: """
            "effectivePeriod":{"start":"2025-03-01T08:00:00Z","end":"2025-03-01T07:00:00Z"}
            """), "MedicationAdministration")), Has.Member("MedicationAdministration.effectivePeriod.end"));

    [Test]
    public void Medication_UnknownCrsmonitorCode_Is422() =>
        Assert.That(Expressions(Refused(IngestSamples.Medication(IngestSamples.Medications, "blinatumomab"), "MedicationAdministration")),
            Has.Member("MedicationAdministration.medicationCodeableConcept.coding[0].code"));

    [Test]
    public void NeuroCheck_NamingCountOutOfRange_Is422NamingTheAnswer()
    {
        var issue = Refused(IngestSamples.NeuroCheckResponse(namingCount: "4"), "QuestionnaireResponse").Outcome.Issue.Single();
        Assert.That(issue.Expression, Is.EqualTo(new[] { "QuestionnaireResponse.item[4].answer[0]" }));
        Assert.That(issue.Diagnostics, Does.Contain("namingCount takes a whole number from 0 to 3"));
    }

    [Test]
    public void NeuroCheck_CapdScoreOutOfRange_Is422() =>
        Assert.That(Expressions(Refused(IngestSamples.NeuroCheckResponse(extraItems: """,{"linkId":"capdScore","answer":[{"valueInteger":33}]}"""),
            "QuestionnaireResponse")), Has.Member("QuestionnaireResponse.item[10].answer[0]"));

    [Test]
    public void NeuroCheck_CodedAnswerNotAllowed_Is422() =>
        Assert.That(Expressions(Refused(IngestSamples.NeuroCheckResponse(consciousness: "drowsy"), "QuestionnaireResponse")),
            Has.Member("QuestionnaireResponse.item[8].answer[0]"));

    [Test]
    public void NeuroCheck_PartOfTheIceItems_Is422ListingTheMissing()
    {
        var json = Mutate(IngestSamples.NeuroCheckResponse(), o => o["item"]!.AsArray().RemoveAt(6));
        var issue = Refused(json, "QuestionnaireResponse").Outcome.Issue.Single();
        Assert.That(issue.Expression, Is.EqualTo(new[] { "QuestionnaireResponse.item" }));
        Assert.That(issue.Diagnostics, Does.Contain("writesSentence"));
    }

    [Test]
    public void NeuroCheck_WithoutAuthored_Is422() =>
        Assert.That(Expressions(Refused(Mutate(IngestSamples.NeuroCheckResponse(), o => o.Remove("authored")), "QuestionnaireResponse")),
            Has.Member("QuestionnaireResponse.authored"));

    [Test]
    public void QuestionnaireResponse_OfAnotherQuestionnaire_IsAcceptedWithAWarning()
    {
        var json = Mutate(IngestSamples.NeuroCheckResponse(), o => o["questionnaire"] = "http://example.org/Questionnaire/phq-9");
        var result = Accepted(json, "QuestionnaireResponse");
        Assert.That(result.Readings, Is.Empty);
        Assert.That(result.Warnings.Single().Expression, Is.EqualTo(new[] { "QuestionnaireResponse.questionnaire" }));
    }

    [Test]
    public void QuestionnaireResponse_InProgress_IsAcceptedWithAWarningAndNoReading()
    {
        var result = Accepted(Mutate(IngestSamples.NeuroCheckResponse(), o => o["status"] = "in-progress"), "QuestionnaireResponse");
        Assert.That(result.Readings, Is.Empty);
        Assert.That(result.Warnings.Single().Expression, Is.EqualTo(new[] { "QuestionnaireResponse.status" }));
    }

    [Test]
    public void Encounter_WithoutSubject_Is422() =>
        Assert.That(Expressions(Refused(Mutate(IngestSamples.Encounter, o => o.Remove("subject")), "Encounter")), Has.Member("Encounter.subject"));

    [Test]
    public void Encounter_LocationNotALocation_Is422() =>
        Assert.That(Expressions(Refused(Mutate(IngestSamples.Encounter, o => o["location"]![0]!["location"]!["reference"] = "Patient/p1"), "Encounter")),
            Has.Member("Encounter.location[0].location.reference"));

    [Test]
    public void Patient_PartialBirthDate_IsAcceptedWithAWarning()
    {
        var result = Accepted(Mutate(IngestSamples.Patient, o => o["birthDate"] = "1960"), "Patient");
        Assert.That(result.Warnings.Single().Expression, Is.EqualTo(new[] { "Patient.birthDate" }));
    }

    [Test]
    public void ClinicianInput_DeathFalse_Is422() =>
        Assert.That(Expressions(Refused(IngestSamples.ClinicianInput("crs-death", "\"valueBoolean\":false"))), Has.Member("Observation.valueBoolean"));

    [Test]
    public void DerivedGradeCode_CannotBeSent() =>
        Assert.That(Expressions(Refused(IngestSamples.ClinicianInput("crs-grade", "\"valueInteger\":2"))), Has.Member("Observation.code.coding[0].code"));

    [Test]
    public void LocalTimeInAResourceBuiltInCode_Is422()
    {
        // The parser refuses such literals in what clients send; resources built or rewritten in code are checked too.
        var observation = (Observation)FhirJson.Parse(System.Text.Encoding.UTF8.GetBytes(IngestSamples.HeartRate()), "Observation").Resource!;
        observation.Effective = new FhirDateTime("2025-03-01T08:00:00");
        var (error, _) = IngestSamples.Rules.Check(observation, "Observation");
        Assert.That(error!.Outcome.Issue.Single().Expression, Is.EqualTo(new[] { "Observation.effectiveDateTime" }));
    }

    [Test]
    public void EmptyResourcesBuiltInCode_AreRefusedNotThrown()
    {
        foreach (Resource resource in new Resource[] { new Observation(), new MedicationAdministration(), new QuestionnaireResponse(), new Encounter() })
        {
            var (error, _) = IngestSamples.Rules.Check(resource, resource.TypeName);
            Assert.That(error?.StatusCode, Is.EqualTo(422), resource.TypeName);
        }

        Assert.That(IngestSamples.Rules.Check(new Patient(), "Patient").Error, Is.Null);
        Assert.That(IngestSamples.Rules.Check(new Location(), "Location").Error, Is.Null);
    }
}
