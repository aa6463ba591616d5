using System.Globalization;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// The four clinical resource types a clinician may write, each as JSON with an identifier, a patient, a variant (a
/// different value, so an update is a new version) and a status (so a retraction is a PUT with entered-in-error).
/// </summary>
public sealed record IsolationResource(string Type, Func<string, string, int, string, string> Build)
{
    public static readonly IsolationResource Observation = new("Observation", (patient, identifier, variant, status) => $$$"""
        {"resourceType":"Observation","identifier":[{"system":"urn:ehr:obs","value":"{{{identifier}}}"}],"status":"{{{status}}}",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"8310-5"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(ServiceHost.Start.AddHours(1))}}}",
         "valueQuantity":{"value":{{{(38.5m + (variant / 10m)).ToString(CultureInfo.InvariantCulture)}}},"unit":"Cel","system":"http://unitsofmeasure.org","code":"Cel"}}
        """);

    public static readonly IsolationResource MedicationAdministration = new("MedicationAdministration", (patient, identifier, variant, status) => $$$"""
        {"resourceType":"MedicationAdministration","identifier":[{"system":"urn:ehr:mar","value":"{{{identifier}}}"}],"status":"{{{(status == "final" ? "completed" : status)}}}",
         "medicationCodeableConcept":{"coding":[{"system":"{{{CrsMonitorMedication}}}","code":"fluid-bolus-for-hypotension"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},
         "effectivePeriod":{"start":"{{{Iso(ServiceHost.Start.AddHours(1))}}}","end":"{{{Iso(ServiceHost.Start.AddHours(1).AddMinutes(10 + variant))}}}"}}
        """);

    public static readonly IsolationResource QuestionnaireResponse = new("QuestionnaireResponse", (patient, identifier, variant, status) => $$$"""
        {"resourceType":"QuestionnaireResponse","identifier":{"system":"urn:ehr:neuro","value":"{{{identifier}}}"},
         "questionnaire":"https://crsmonitor.org/fhir/Questionnaire/neuro-check","status":"{{{(status == "final" ? "completed" : status)}}}",
         "subject":{"reference":"Patient/{{{patient}}}"},"authored":"{{{Iso(ServiceHost.Start.AddHours(1))}}}",
         "item":[
          {"linkId":"orientationYear","answer":[{"valueBoolean":true}]},
          {"linkId":"orientationMonth","answer":[{"valueBoolean":true}]},
          {"linkId":"orientationCity","answer":[{"valueBoolean":true}]},
          {"linkId":"orientationHospital","answer":[{"valueBoolean":true}]},
          {"linkId":"namingCount","answer":[{"valueInteger":{{{Math.Clamp(3 - variant, 0, 3)}}}}]},
          {"linkId":"followsCommands","answer":[{"valueBoolean":true}]},
          {"linkId":"writesSentence","answer":[{"valueBoolean":true}]},
          {"linkId":"countsBackwards","answer":[{"valueBoolean":true}]},
          {"linkId":"consciousness","answer":[{"valueCoding":{"system":"https://crsmonitor.org/fhir/CodeSystem/neuro","code":"alert"}}]}]}
        """);

    /// <summary>Home medication (issue 17): a caregiver-reported dexamethasone.</summary>
    public static readonly IsolationResource MedicationStatement = new("MedicationStatement", (patient, identifier, variant, status) => $$$"""
        {"resourceType":"MedicationStatement","identifier":[{"system":"urn:home:med","value":"{{{identifier}}}"}],"status":"{{{(status == "final" ? "completed" : status)}}}",
         "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"3264"}]},
         "subject":{"reference":"Patient/{{{patient}}}"},"effectiveDateTime":"{{{Iso(ServiceHost.Start.AddHours(1).AddMinutes(variant))}}}",
         "informationSource":{"type":"RelatedPerson","display":"caregiver"}}
        """);

    public static readonly IReadOnlyList<IsolationResource> All = [Observation, MedicationAdministration, MedicationStatement, QuestionnaireResponse];

    public string Json(string patient, string identifier, int variant = 0, string status = "final") => Build(patient, identifier, variant, status);

    public override string ToString() => Type;
}
