using CrsMonitor.Service.Ingest.Endpoints;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Tests.Fhir;

/// <summary>
/// <c>/fhir/metadata</c> as Firely's <see cref="FhirClient"/> reads it (issue 13): <c>rest.security</c> (SMART-on-FHIR,
/// how tokens are had here, the scopes each role amounts to), the search parameters the search reads, and conditional
/// read. Development identity mode; the OpenID Connect mode's <c>oauth-uris</c> is in <c>OpenIdConnectModeTests</c>.
/// The statement does not depend on storage (SQLite).
/// </summary>
public sealed class CapabilityStatementTests
{
    private ServiceHost host = null!;
    private HttpClient http = null!;
    private FhirClient client = null!;
    private CapabilityStatement statement = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        host = new ServiceHost();
        http = host.ClientWith(null);
        client = new FhirClient(new Uri(http.BaseAddress!, "fhir"), http, new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = true });
        statement = (await client.CapabilityStatementAsync())!;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        client.Dispose();
        http.Dispose();
        await host.DisposeAsync();
    }

    [Test]
    public void Security_IsSmartOnFhir_SayingHowTokensAreMadeHere_AndNoOAuthServerInDevelopmentMode()
    {
        var security = statement.Rest.Single().Security;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(security!.Service.SelectMany(s => s.Coding).Select(c => $"{c.System}|{c.Code}"),
                Is.EqualTo(new[] { "http://terminology.hl7.org/CodeSystem/restful-security-service|SMART-on-FHIR" }));
            Assert.That(security.Description, Does.Contain("`token` verb").And.Contain("Authorization: Bearer"));
            Assert.That(security.Extension, Is.Empty, "no token endpoint to name: tokens are made on the service host");
        }
    }

    [Test]
    public void Security_NamesTheScopesEachRoleAmountsTo()
    {
        var description = statement.Rest.Single().Security!.Description!;
        var integration = Section(description, "**integration**", "**nurse**");
        var clinicians = Section(description, "**nurse**", "**admin**");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Scopes(integration), Is.EquivalentTo(new[]
            {
                "system/Patient.write", "system/Location.write", "system/Encounter.write", "system/Observation.write",
                "system/MedicationAdministration.write", "system/MedicationStatement.write", "system/QuestionnaireResponse.write",
            }));
            Assert.That(Scopes(clinicians), Is.EquivalentTo(new[]
            {
                "user/Patient.read", "user/Location.read", "user/Encounter.read", "user/Observation.read",
                "user/MedicationAdministration.read", "user/MedicationStatement.read", "user/QuestionnaireResponse.read",
                "user/Observation.write", "user/MedicationAdministration.write", "user/MedicationStatement.write", "user/QuestionnaireResponse.write",
            }));
            Assert.That(description, Does.Contain("not by `scope`"));
        }
    }

    [Test]
    public void Observation_ListsTheSearchParametersTheSearchReads_AndEveryTypeConditionalRead()
    {
        var rest = statement.Rest.Single();
        var observation = rest.Resource.Single(r => r.Type == "Observation");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(observation.SearchParam.Select(p => p.Name), Is.EquivalentTo(new[] { "patient", "subject", "code", "date", "_count", "_summary" }));
            Assert.That(observation.SearchParam.Select(p => p.Name).Concat(["_format", PageCursor.Parameter]), Is.EquivalentTo(ObservationQuery.Known),
                "every parameter the search reads is listed (or is a format or page parameter)");
            Assert.That(rest.Resource.Select(r => r.ConditionalRead), Is.All.EqualTo(CapabilityStatement.ConditionalReadStatus.FullSupport));
            Assert.That(rest.Resource.Where(r => r.ConditionalUpdate == true).Select(r => r.Type),
                Is.EquivalentTo(new[] { "Observation", "MedicationAdministration", "MedicationStatement", "QuestionnaireResponse" }), "PUT [type]?identifier=");
            Assert.That(statement.Format, Is.EqualTo(new[] { "json" }));
        }
    }

    private static string Section(string text, string from, string to)
    {
        var start = text.IndexOf(from, StringComparison.Ordinal);
        var end = text.IndexOf(to, start + from.Length, StringComparison.Ordinal);
        Assert.That(start >= 0 && end > start, () => $"'{from}' then '{to}' in: {text}");
        return text[start..end];
    }

    private static IEnumerable<string> Scopes(string text) =>
        text.Split([' ', ',', ';', ':'], StringSplitOptions.RemoveEmptyEntries).Where(w => w.StartsWith("system/", StringComparison.Ordinal) || w.StartsWith("user/", StringComparison.Ordinal));
}
