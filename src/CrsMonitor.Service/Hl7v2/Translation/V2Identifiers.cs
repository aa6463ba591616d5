using CrsMonitor.Service.Hl7v2.Er7;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hl7v2.Translation;

/// <summary>
/// CX identifiers (PID-3, PV1-19) as FHIR Identifiers. The system comes from the assigning authority (CX-4): its
/// universal id when it has one (ISO → <c>urn:oid:</c>, UUID → <c>urn:uuid:</c>, URI as is), else its namespace through
/// <c>Hl7v2:AssigningAuthorities</c>; an identifier without an authority takes <c>Hl7v2:DefaultAssigningAuthority</c>.
/// An authority with no system is refused, never guessed: a guessed system would make a second Patient of the same
/// person the FHIR feed already sent.
/// </summary>
public sealed class V2Identifiers(Hl7v2Settings settings)
{
    private const string IdentifierTypeSystem = "http://terminology.hl7.org/CodeSystem/v2-0203";

    /// <summary>The identifier, or null with a finding saying which component is missing or which setting to add.</summary>
    public Identifier? Read(Er7Repetition cx, Er7Location at, V2Findings findings, string what)
    {
        ArgumentNullException.ThrowIfNull(cx);
        ArgumentNullException.ThrowIfNull(findings);
        var value = cx[1].Value;
        if (value.Length == 0)
        {
            findings.Required(at, $"has no id (component 1): {what}");
            return null;
        }

        if (value.IndexOfAny(['|', ',', '$', '\\']) >= 0)
        {
            findings.Error(at, $"'{value}' holds | , $ or \\, which a FHIR identifier search cannot carry unescaped here: {what}");
            return null;
        }

        if (System(cx[4], at, findings) is not { } system)
        {
            return null;
        }

        var identifier = new Identifier(system, value);
        if (cx[5].Value is { Length: > 0 } type)
        {
            identifier.Type = new CodeableConcept(IdentifierTypeSystem, type);
        }

        return identifier;
    }

    private string? System(Er7Component authority, Er7Location at, V2Findings findings)
    {
        var (name, universal, kind) = (authority[1], authority[2], authority[3]);
        if (universal.Length > 0)
        {
            switch (kind.ToUpperInvariant())
            {
                case "ISO":
                    return "urn:oid:" + universal;
                case "UUID":
                    return "urn:uuid:" + universal;
                case "URI" or "URL" when Uri.TryCreate(universal, UriKind.Absolute, out _):
                    return universal;
                default:
                    break;
            }
        }

        var key = name.Length > 0 ? name : settings.DefaultAssigningAuthority;
        if (key.Length == 0)
        {
            findings.Required(at with { Component = 4 },
                $"names no assigning authority, and {Hl7v2Settings.SectionName}:{nameof(Hl7v2Settings.DefaultAssigningAuthority)} is not set: "
                + "send CX-4, or set the default to the authority these ids belong to");
            return null;
        }

        if (settings.AssigningAuthorities.TryGetValue(key, out var system))
        {
            return system;
        }

        findings.Error(at with { Component = 4 },
            $"assigning authority '{key}' has no FHIR identifier system: set {Hl7v2Settings.SectionName}:{nameof(Hl7v2Settings.AssigningAuthorities)}:{key} "
            + "to the system the FHIR feed uses for these ids", V2ErrorCode.TableValueNotFound);
        return null;
    }
}
