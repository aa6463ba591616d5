using CrsMonitor.Service.Ingest;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.CheckIn;

/// <summary>A medicine the check-in page offers: its key (the drug map's), its words, its RxNorm ingredient.</summary>
public sealed record HomeMedicine(string Key, string Text, string RxNorm);

/// <summary>What a check-in submission says, checked; <see cref="ToBundle"/> makes the FHIR resources the one write path takes.</summary>
public sealed record CheckInSubmission(
    string PatientId, string ReportedBy, decimal? Temperature, string? TemperatureUnit, IReadOnlyList<string> Symptoms,
    IReadOnlyList<(HomeMedicine Medicine, DateTimeOffset TakenAt)> Medicines)
{
    public const string IdentifierSystem = "https://crsmonitor.org/fhir/checkin-submission";
    private const string Rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm";

    /// <summary>The short list of the check-in page (drug-map.json keys): take-home dexamethasone and the antipyretics.</summary>
    public static readonly IReadOnlyList<HomeMedicine> ShortList =
    [
        new("dexamethasone", "Dexamethasone", "3264"),
        new("acetaminophen", "Paracetamol (acetaminophen)", "161"),
        new("ibuprofen", "Ibuprofen", "5640"),
    ];

    /// <summary>
    /// A transaction Bundle: the temperature (Observation 8310-5, performer the Patient or a RelatedPerson), one
    /// MedicationStatement per medicine, and the symptoms (QuestionnaireResponse of home-check-in, every item answered),
    /// each with an identifier of this submission so a resend is a resend.
    /// </summary>
    public Bundle ToBundle(string submissionId, DateTimeOffset now)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        var subject = new ResourceReference($"Patient/{PatientId}");
        ResourceReference Reporter() => ReportedBy == Readings.ReportedBy.Patient
            ? new ResourceReference($"Patient/{PatientId}")
            : new ResourceReference { Type = "RelatedPerson", Display = "Caregiver (home check-in)" };
        Identifier Id(string part) => new(IdentifierSystem, $"{submissionId}-{part}");
        var at = new FhirDateTime(now.ToUniversalTime());
        void Add(Resource resource) => bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = $"urn:uuid:{Guid.NewGuid()}",
            Resource = resource,
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = resource.TypeName },
        });

        if (Temperature is { } value)
        {
            var unit = TemperatureUnit ?? "Cel";
            Add(new Observation
            {
                Identifier = [Id("temperature")],
                Status = ObservationStatus.Final,
                Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
                Code = new CodeableConcept("http://loinc.org", "8310-5", "Body temperature"),
                Subject = subject,
                Effective = at,
                Performer = [Reporter()],
                Value = new Quantity { Value = value, Unit = unit == "Cel" ? "°C" : "°F", System = "http://unitsofmeasure.org", Code = unit },
            });
        }

        for (var i = 0; i < Medicines.Count; i++)
        {
            var (medicine, takenAt) = Medicines[i];
            Add(new MedicationStatement
            {
                Identifier = [Id($"medicine-{i}")],
                Status = MedicationStatement.MedicationStatusCodes.Completed,
                Medication = new CodeableConcept(Rxnorm, medicine.RxNorm, medicine.Key),
                Subject = subject,
                Effective = new FhirDateTime(takenAt.ToUniversalTime()),
                DateAsserted = at.Value,
                InformationSource = Reporter(),
            });
        }

        var response = new QuestionnaireResponse
        {
            Identifier = Id("symptoms"),
            Questionnaire = HomeCheckIn.Url,
            Status = QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Subject = subject,
            Authored = at.Value,
            Source = Reporter(),
        };
        foreach (var (linkId, text) in HomeCheckIn.Symptoms)
        {
            response.Item.Add(new QuestionnaireResponse.ItemComponent
            {
                LinkId = linkId,
                Text = text,
                Answer = [new QuestionnaireResponse.AnswerComponent { Value = new FhirBoolean(Symptoms.Contains(linkId)) }],
            });
        }

        Add(response);
        return bundle;
    }
}
