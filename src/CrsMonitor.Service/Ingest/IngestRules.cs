using CrsMonitor.Service.Storage;
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
        var interpretation = Interpret(resource, expressionPrefix);
        return (interpretation.Error, interpretation.Warnings);
    }

    /// <summary>
    /// The one reading of a resource by the rules (the write path's): <see cref="Check"/>'s answer, plus identifiers no
    /// longer than the store keeps (422), plus the readings it yields, kept for <see cref="Interpretation.Accept"/>.
    /// </summary>
    public Interpretation Interpret(Resource resource, string expressionPrefix)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(expressionPrefix);
        var findings = interpreter.Interpret(resource, expressionPrefix);
        if (findings.Errors.Count > 0)
        {
            return new Interpretation(resource, new FhirError(StatusCodes.Status422UnprocessableEntity,
                FhirOutcomes.Outcome([.. findings.Errors, .. findings.Warnings])), findings.Warnings, []);
        }

        if (AcceptedResource.IdentifiersOf(resource).Any(i => i.System.Length > FhirResourceStore.MaxIdentifierLength || i.Value.Length > FhirResourceStore.MaxIdentifierLength))
        {
            return new Interpretation(resource, new FhirError(StatusCodes.Status422UnprocessableEntity, FhirOutcomes.Error(OperationOutcome.IssueType.TooLong,
                $"{expressionPrefix}.identifier", $"identifier system and value may each be at most {FhirResourceStore.MaxIdentifierLength} characters")),
                findings.Warnings, []);
        }

        return new Interpretation(resource, null, findings.Warnings, findings.Readings);
    }
}

/// <summary>
/// What the rules made of one resource: an error (the resource is refused) or its warnings and readings-to-be. A
/// Bundle resolves the entry's <c>urn:uuid:</c> and conditional references before <see cref="Accept"/> (the readings do not depend
/// on them; the patient, hash and stored JSON do).
/// </summary>
public sealed class Interpretation
{
    private readonly IReadOnlyList<ReadingDraft> drafts;
    private readonly List<OperationOutcome.IssueComponent> warnings;

    internal Interpretation(Resource resource, FhirError? error, IReadOnlyList<OperationOutcome.IssueComponent> warnings, IReadOnlyList<ReadingDraft> drafts)
    {
        Resource = resource;
        Error = error;
        this.warnings = [.. warnings];
        this.drafts = drafts;
    }

    public Resource Resource { get; }

    /// <summary>The 422 to answer, or null.</summary>
    public FhirError? Error { get; }

    public IReadOnlyList<OperationOutcome.IssueComponent> Warnings => warnings;

    /// <summary>A warning found after the rules, by the Bundle (a conditional reference it leaves as sent).</summary>
    public void Warn(OperationOutcome.IssueComponent warning) => warnings.Add(warning);

    /// <summary>The accepted form of the resource as it is now (serialised and hashed once, here).</summary>
    public AcceptedResource Accept() => Error is null
        ? new AcceptedResource(Resource, Warnings, drafts)
        : throw new InvalidOperationException($"A {Resource.TypeName} refused by the ingest rules cannot be accepted");
}
