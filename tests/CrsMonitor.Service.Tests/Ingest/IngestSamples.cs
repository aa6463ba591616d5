using System.Text;
using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Readings;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Tests.Ingest;

/// <summary>
/// Valid resources of every kind the ingester reads (the bases the malformed corpus mutates), and the ingest pipeline
/// as the endpoint runs it: parse (400) → rules (422) → readings.
/// </summary>
public static class IngestSamples
{
    public const string At = "2025-03-01T08:00:00Z";
    public const string Loinc = "http://loinc.org";
    public const string Ucum = "http://unitsofmeasure.org";
    public const string Ours = "https://crsmonitor.org/fhir/CodeSystem/observation";
    public const string Devices = "https://crsmonitor.org/fhir/CodeSystem/oxygen-device";
    public const string Neuro = "https://crsmonitor.org/fhir/CodeSystem/neuro";
    public const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    public const string Medications = "https://crsmonitor.org/fhir/CodeSystem/medication";

    public static readonly IngestData Data = IngestData.Load(IngestData.DefaultDirectory);
    public static readonly IngestRules Rules = new(Data);
    public static readonly Normaliser Normaliser = new(Data);

    public static string Quantity(string loinc, string value, string unit, string at = At) => $$$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"{{{Loinc}}}","code":"{{{loinc}}}"}]},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"{{{at}}}",
         "valueQuantity":{"value":{{{value}}},"unit":"{{{unit}}}","system":"{{{Ucum}}}","code":"{{{unit}}}"}}
        """;

    public static string Temperature(string value = "38.4", string unit = "Cel") => Quantity("8310-5", value, unit);

    public static string HeartRate(string value = "88") => Quantity("8867-4", value, "/min");

    public static string RespiratoryRate(string value = "18") => Quantity("9279-1", value, "/min");

    public static string OxygenFlow(string value = "2", string unit = "L/min") => Quantity("3151-8", value, unit);

    public static string FiO2(string value = "40") => Quantity("3150-0", value, "%");

    public static string LoneSystolic(string value = "95") => Quantity("8480-6", value, "mm[Hg]");

    public static string BloodPressure(string systolic = "120", string diastolic = "80") => $$$"""
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"{{{Loinc}}}","code":"85354-9"}]},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"{{{At}}}",
         "component":[
           {"code":{"coding":[{"system":"{{{Loinc}}}","code":"8480-6"}]},"valueQuantity":{"value":{{{systolic}}},"unit":"mmHg","system":"{{{Ucum}}}","code":"mm[Hg]"}},
           {"code":{"coding":[{"system":"{{{Loinc}}}","code":"8462-4"}]},"valueQuantity":{"value":{{{diastolic}}},"unit":"mmHg","system":"{{{Ucum}}}","code":"mm[Hg]"}}]}
        """;

    public static string Spo2(string value = "91", string flow = "6000", string flowUnit = "mL/min", string fio2 = "35") => $$$"""
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"{{{Loinc}}}","code":"2708-6"},{"system":"{{{Loinc}}}","code":"59408-5"}]},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"{{{At}}}",
         "valueQuantity":{"value":{{{value}}},"unit":"%","system":"{{{Ucum}}}","code":"%"},
         "component":[
           {"code":{"coding":[{"system":"{{{Loinc}}}","code":"3151-8"}]},"valueQuantity":{"value":{{{flow}}},"unit":"{{{flowUnit}}}","system":"{{{Ucum}}}","code":"{{{flowUnit}}}"}},
           {"code":{"coding":[{"system":"{{{Loinc}}}","code":"3150-0"}]},"valueQuantity":{"value":{{{fio2}}},"unit":"%","system":"{{{Ucum}}}","code":"%"}}]}
        """;

    public static string OxygenDevice(string device = "nasal-cannula", string system = Devices, string? qualifier = null) => $$$"""
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"{{{Ours}}}","code":"oxygen-device"}]},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"{{{At}}}",
         "valueCodeableConcept":{"coding":[{"system":"{{{system}}}","code":"{{{device}}}"}]},
         "component":[
           {"code":{"coding":[{"system":"{{{Loinc}}}","code":"3151-8"}]},"valueQuantity":{"value":4,"unit":"L/min","system":"{{{Ucum}}}","code":"L/min"}}
           {{{(qualifier is null ? string.Empty : $$$""",{"code":{"coding":[{"system":"{{{Ours}}}","code":"{{{qualifier}}}"}]},"valueBoolean":true}""")}}}]}
        """;

    public static string ClinicianInput(string code = "fever-attributed-other-cause", string value = "\"valueBoolean\":true") => $$$"""
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"{{{Ours}}}","code":"{{{code}}}"}]},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"{{{At}}}",{{{value}}} }
        """;

    public static string NeuroCheckResponse(string namingCount = "2", string consciousness = "alert", string extraItems = "") => $$$"""
        {"resourceType":"QuestionnaireResponse","questionnaire":"https://crsmonitor.org/fhir/Questionnaire/neuro-check","status":"completed",
         "subject":{"reference":"Patient/p1"},"authored":"{{{At}}}",
         "item":[
          {"linkId":"orientationYear","answer":[{"valueBoolean":true}]},
          {"linkId":"orientationMonth","answer":[{"valueBoolean":true}]},
          {"linkId":"orientationCity","answer":[{"valueBoolean":false}]},
          {"linkId":"orientationHospital","answer":[{"valueBoolean":true}]},
          {"linkId":"namingCount","answer":[{"valueInteger":{{{namingCount}}} }]},
          {"linkId":"followsCommands","answer":[{"valueBoolean":true}]},
          {"linkId":"writesSentence","answer":[{"valueBoolean":true}]},
          {"linkId":"countsBackwards","answer":[{"valueBoolean":true}]},
          {"linkId":"consciousness","answer":[{"valueCoding":{"system":"{{{Neuro}}}","code":"{{{consciousness}}}"}}]},
          {"linkId":"icp","answer":[{"valueCoding":{"system":"{{{Neuro}}}","code":"focal-edema"}},{"valueCoding":{"system":"{{{Neuro}}}","code":"papilledema"}}]}{{{extraItems}}}]}
        """;

    public static string NeuroCheckPanel(string namingCount = "3") => $$$"""
        {"resourceType":"Observation","status":"final",
         "code":{"coding":[{"system":"{{{Ours}}}","code":"neuro-check"}]},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"{{{At}}}",
         "component":[
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"orientationYear"}]},"valueBoolean":true},
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"orientationMonth"}]},"valueBoolean":true},
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"orientationCity"}]},"valueBoolean":true},
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"orientationHospital"}]},"valueBoolean":true},
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"namingCount"}]},"valueInteger":{{{namingCount}}} },
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"followsCommands"}]},"valueBoolean":true},
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"writesSentence"}]},"valueBoolean":false},
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"countsBackwards"}]},"valueBoolean":true},
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"seizure"}]},"valueCodeableConcept":{"coding":[{"system":"{{{Neuro}}}","code":"none"}]}},
          {"code":{"coding":[{"system":"{{{Ours}}}","code":"excludedFindings"}]},"valueCodeableConcept":{"coding":[{"system":"{{{Neuro}}}","code":"tremor"}]}}]}
        """;

    public static string Medication(string system = RxNorm, string code = "7512", string status = "in-progress", string effective = $$$"""
        "effectivePeriod":{"start":"{{{At}}}"}
        """) => $$$"""
        {"resourceType":"MedicationAdministration","status":"{{{status}}}",
         "medicationCodeableConcept":{"coding":[{"system":"{{{system}}}","code":"{{{code}}}"}]},
         "subject":{"reference":"Patient/p1"},{{{effective}}},
         "dosage":{"rateQuantity":{"value":0.1,"unit":"ug/kg/min","system":"{{{Ucum}}}","code":"ug/kg/min"} } }
        """;

    /// <summary>Home medication (issue 17): dexamethasone taken at home, reported by a caregiver.</summary>
    public static string MedicationStatement(string code = "3264", string status = "completed") => $$$"""
        {"resourceType":"MedicationStatement","status":"{{{status}}}",
         "medicationCodeableConcept":{"coding":[{"system":"{{{RxNorm}}}","code":"{{{code}}}"}]},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"{{{At}}}",
         "informationSource":{"type":"RelatedPerson","display":"caregiver"},
         "dosage":[{"doseAndRate":[{"doseQuantity":{"value":8,"unit":"mg","system":"{{{Ucum}}}","code":"mg"}}]}]}
        """;

    /// <summary>The home check-in's symptoms (issue 17): confusion reported by a caregiver.</summary>
    public static string HomeCheckInResponse(string confusion = "true") => $$$"""
        {"resourceType":"QuestionnaireResponse","questionnaire":"https://crsmonitor.org/fhir/Questionnaire/home-check-in","status":"completed",
         "subject":{"reference":"Patient/p1"},"authored":"{{{At}}}","source":{"type":"RelatedPerson","display":"caregiver"},
         "item":[{"linkId":"confusion","answer":[{"valueBoolean":{{{confusion}}}}]},{"linkId":"seizure","answer":[{"valueBoolean":false}]}]}
        """;

    public const string Patient = """
        {"resourceType":"Patient","identifier":[{"system":"urn:mrn","value":"MRN-1"}],"name":[{"family":"Test","given":["Pat"]}],"birthDate":"1960-05-01"}
        """;

    public const string Location = """{"resourceType":"Location","status":"active","name":"Ward 7W"}""";

    public const string Encounter = """
        {"resourceType":"Encounter","status":"in-progress","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"IMP"},
         "subject":{"reference":"Patient/p1"},"location":[{"location":{"reference":"Location/7W"}}]}
        """;

    /// <summary>Every valid base resource by name, with its type (the URL's type).</summary>
    public static IReadOnlyList<(string Name, string Type, string Json)> Valid { get; } =
    [
        ("temperature-cel", "Observation", Temperature()),
        ("temperature-degf", "Observation", Temperature("100.4", "[degF]")),
        ("heart-rate", "Observation", HeartRate()),
        ("respiratory-rate", "Observation", RespiratoryRate()),
        ("lone-systolic", "Observation", LoneSystolic()),
        ("blood-pressure", "Observation", BloodPressure()),
        ("spo2", "Observation", Spo2()),
        ("oxygen-flow", "Observation", OxygenFlow()),
        ("fio2", "Observation", FiO2()),
        ("oxygen-device", "Observation", OxygenDevice(qualifier: "at-baseline")),
        ("clinician-input", "Observation", ClinicianInput()),
        ("neuro-check-panel", "Observation", NeuroCheckPanel()),
        ("neuro-check-response", "QuestionnaireResponse", NeuroCheckResponse()),
        ("medication", "MedicationAdministration", Medication()),
        ("medication-statement", "MedicationStatement", MedicationStatement()),
        ("home-check-in-response", "QuestionnaireResponse", HomeCheckInResponse()),
        ("patient", "Patient", Patient),
        ("location", "Location", Location),
        ("encounter", "Encounter", Encounter),
        ("hl7-blood-pressure", "Observation", Hl7Examples.BloodPressure),
        ("hl7-sato2-fio2", "Observation", Hl7Examples.SatO2FiO2),
        ("hl7-temperature", "Observation", Hl7Examples.Temperature),
    ];

    public static IngestResult Ingest(string json, string type, string? prefix = null) => Ingest(Encoding.UTF8.GetBytes(json), type, prefix);

    /// <summary>Parse, then our rules, then readings (when both passed), as the FHIR endpoint does.</summary>
    public static IngestResult Ingest(byte[] body, string type, string? prefix = null)
    {
        var (resource, parseError) = FhirJson.Parse(body, type);
        if (parseError is not null)
        {
            return new IngestResult(null, parseError, [], []);
        }

        var (ruleError, warnings) = Rules.Check(resource!, prefix ?? type);
        if (ruleError is not null)
        {
            return new IngestResult(resource, ruleError, warnings, []);
        }

        return new IngestResult(resource, null, warnings, Normaliser.ToReadings(resource!, new ReadingSource(type, "r1", 1)));
    }

    /// <summary>The readings of a resource that must be accepted.</summary>
    public static IReadOnlyList<Reading> Readings(string json, string type = "Observation")
    {
        var result = Ingest(json, type);
        Assert.That(result.Error, Is.Null, () => Describe(result.Error!));
        return result.Readings;
    }

    public static string Describe(FhirError error) =>
        $"{error.StatusCode}: {string.Join(" | ", error.Outcome.Issue.Select(i => $"[{string.Join(",", i.Expression)}] {i.Diagnostics}"))}";
}

public sealed record IngestResult(Resource? Resource, FhirError? Error, IReadOnlyList<OperationOutcome.IssueComponent> Warnings, IReadOnlyList<Reading> Readings);
