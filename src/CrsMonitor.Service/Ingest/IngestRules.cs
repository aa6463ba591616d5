using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// Our rules beyond the parser (library-notes 1.2: the parser checks only the base resource), for a resource that
/// parsed: a Patient subject by literal reference and an effective time on every Observation, MedicationAdministration
/// and neuro-check QuestionnaireResponse we read; every dateTime with a time of day carries its offset; LOINC codes
/// with the UCUM units and physically possible ranges of observation-codes.json; oxygen devices, drugs and neuro-check
/// answers from their CodeSystems and maps; Encounter subject and location references. Codes we do not understand
/// (an unknown Observation code, drug or questionnaire) are accepted with a warning: stored, not used for grading.
/// </summary>
public sealed class IngestRules
{
    private readonly ResourceInterpreter interpreter;

    public IngestRules(IngestData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        interpreter = new ResourceInterpreter(data);
    }

    /// <summary>
    /// A 422 FhirError listing every problem (expressions under <paramref name="expressionPrefix"/>, e.g.
    /// <c>Observation.valueQuantity.code</c> or <c>Bundle.entry[2].resource.subject</c>), or null; plus the warnings
    /// to return with a success.
    /// </summary>
    public (FhirError? Error, IReadOnlyList<OperationOutcome.IssueComponent> Warnings) Check(Resource resource, string expressionPrefix)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(expressionPrefix);
        var findings = interpreter.Interpret(resource, expressionPrefix);
        return findings.Errors.Count == 0
            ? (null, findings.Warnings)
            : (new FhirError(StatusCodes.Status422UnprocessableEntity, FhirOutcomes.Outcome([.. findings.Errors, .. findings.Warnings])), findings.Warnings);
    }
}
