using CrsMonitor.Service.Identity;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// <c>CapabilityStatement.rest.security</c>: how a client gets a token here and what each role may do, in SMART scope
/// terms. The service authorizes by the token's role and unit claims (<see cref="PatientAccess"/>), not by its
/// <c>scope</c>: the scopes say what each role amounts to, so that a provider can be set up to issue the right role.
/// </summary>
public static class CapabilitySecurity
{
    public const string ServiceSystem = "http://terminology.hl7.org/CodeSystem/restful-security-service";
    public const string OAuthUrisExtension = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    /// <summary>What an integration token may do: write every supported type for any patient, read nothing.</summary>
    public static IReadOnlyList<string> IntegrationScopes { get; } = [.. FhirEndpoints.SupportedTypes.Select(t => $"system/{t}.write")];

    /// <summary>
    /// What a nurse's or physician's token may do, for the patients of their units only: read (and search) every
    /// supported type, write all but the ADT feed's types (Patient, Location, Encounter).
    /// </summary>
    public static IReadOnlyList<string> ClinicianScopes { get; } =
    [
        .. FhirEndpoints.SupportedTypes.Select(t => $"user/{t}.read"),
        .. FhirEndpoints.SupportedTypes.Where(t => !FhirWriteAccess.AdministrativeTypes.Contains(t)).Select(t => $"user/{t}.write"),
    ];

    public static CapabilityStatement.SecurityComponent For(IdentitySettings identity, ProviderEndpoints? provider)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var security = new CapabilityStatement.SecurityComponent { Cors = false };
        security.Service.Add(new CodeableConcept(ServiceSystem, "SMART-on-FHIR", "SMART-on-FHIR"));
        if (identity.UsesOpenIdConnect)
        {
            security.Service.Add(new CodeableConcept(ServiceSystem, "OAuth", "OAuth"));
            if (provider?.Token is { } token)
            {
                var uris = new Extension { Url = OAuthUrisExtension };
                uris.Extension.Add(new Extension("token", new FhirUri(token)));
                if (provider.Authorize is { } authorize)
                {
                    uris.Extension.Add(new Extension("authorize", new FhirUri(authorize)));
                }

                security.Extension.Add(uris);
            }
        }

        security.Description = $"{HowToGetATokenIn(identity)} Authorization is by the token's role claim (`{identity.RoleClaim}`) "
            + $"and unit claims (`{identity.UnitClaim}`), not by `scope`. In SMART scope terms: "
            + $"**integration** (an EHR or interface engine; tokens live at most {TokenCommand.IntegrationMaxMinutes} minutes): "
            + $"{string.Join(" ", IntegrationScopes)}, for any patient, and no read; "
            + $"**nurse**, **physician**: {string.Join(" ", ClinicianScopes)}, for the patients with an in-progress Encounter "
            + "on one of their units only (Location for any unit); **admin**: nothing under /fhir; "
            + "**researcher**: system/$export only (de-identified: AdverseEvent, Observation, MedicationAdministration, Patient "
            + "pseudonyms), their own exports, and no patient read. Only metadata is anonymous.";
        return security;
    }

    private static string HowToGetATokenIn(IdentitySettings identity) => identity.UsesOpenIdConnect
        ? $"Send `Authorization: Bearer <JWT>` issued by the hospital's OpenID Connect provider {identity.Authority!.TrimEnd('/')} "
            + $"(discovery: {identity.Authority!.TrimEnd('/')}/.well-known/openid-configuration) for the audience `{identity.Audience}`; "
            + "people sign in on the dashboard (authorization code with PKCE); an interface engine gets its token by the grant the provider "
            + "allows it, e.g. client credentials as in SMART backend services."
        : "Development mode: send `Authorization: Bearer <JWT>` made on the service host by the `token` verb "
            + "(`CrsMonitor.Service token --role <nurse|physician|integration|admin|researcher> [--unit <location id>]`), "
            + "signed with this service's own key; there is no OAuth server to ask.";
}
