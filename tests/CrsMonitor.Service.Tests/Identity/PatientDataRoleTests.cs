using System.Net;
using System.Text.RegularExpressions;
using CrsMonitor.Service.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static CrsMonitor.Service.Tests.Fhir.FhirTestData;

namespace CrsMonitor.Service.Tests.Identity;

/// <summary>
/// An administrator sees no patient data anywhere, and an integration client reads nothing: every endpoint the app maps
/// under <c>/api</c> and <c>/hubs</c> (read from the host's <see cref="EndpointDataSource"/>, so a new endpoint is
/// covered the day it is mapped) answers them 403, except the few that hold no patient data, listed here by name. A
/// new patient endpoint that forgets this fails the test; so does one that holds no patient data until it is listed.
/// The tokens carry the patient's unit, and the patient exists, so neither a missing unit nor a 404 hides a leak.
/// (The /fhir paths are covered by the role × unit × path matrix.)
/// </summary>
public sealed partial class PatientDataRoleTests
{
    private const string Patient = "p-roles";
    private const string Unit = "7W";

    /// <summary>What each role may use besides 403: endpoints without patient data.</summary>
    private static readonly Dictionary<string, string[]> PatientFree = new(StringComparer.Ordinal)
    {
        [Roles.Admin] = ["GET /api/me", "GET /api/sign-in", "GET /api/protocols", "GET /api/protocols/{id}"],
        [Roles.Integration] = ["GET /api/me", "GET /api/sign-in"],
        [Roles.Researcher] = [
            "GET /api/me", "GET /api/sign-in", "GET /api/research/incidence", "GET /api/research/episodes.csv", "GET /api/research/episodes-dictionary.csv",
        ],
    };

    private ServiceHost host = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        host = new ServiceHost();
        using var integration = host.ClientFor(Roles.Integration);
        await AdmitAsync(integration, Patient, Unit);
    }

    [OneTimeTearDown]
    public void StopHost() => host.Dispose();

    /// <summary>Every (method, route) mapped under /api and /hubs; an endpoint without method metadata takes any method.</summary>
    private IReadOnlyList<string> Routes() =>
        [.. host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Route: "/" + (e.RoutePattern.RawText ?? string.Empty).TrimStart('/')))
            .Where(e => e.Route.StartsWith("/api/", StringComparison.Ordinal) || e.Route.StartsWith("/hubs/", StringComparison.Ordinal))
            .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET", "POST", "PUT", "DELETE"])
                .Select(method => $"{method} {e.Route}"))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    [Test]
    public void TheEnumeration_SeesThePatientEndpointsAndTheHub_AndEveryListedExceptionExists()
    {
        var routes = Routes();
        Assert.That(routes, Is.SupersetOf(new[]
        {
            "GET /api/patients/{id}/protocols", "GET /api/patients/{id}/status", "GET /api/patients/{id}/biomarkers", "GET /api/units/{unit}/patients", "GET /api/units/{unit}/alerts",
            "POST /api/patients/{id}/doses", "POST /hubs/alerts/negotiate",
        }));
        Assert.That(PatientFree.Values.SelectMany(v => v).Distinct(), Is.SubsetOf(routes), "a listed exception that is no longer mapped");
    }

    [TestCase(Roles.Admin)]
    [TestCase(Roles.Integration)]
    [TestCase(Roles.Researcher)]
    public async Task EveryApiAndHubEndpoint_Is403_ForThisRole_ExceptThoseWithoutPatientData(string role)
    {
        using var client = host.ClientFor(role, Unit);
        var answers = new List<string>();
        foreach (var route in Routes().Where(r => !PatientFree[role].Contains(r)))
        {
            var method = route[..route.IndexOf(' ', StringComparison.Ordinal)];
            var path = Parameter().Replace(route[(method.Length + 1)..], m => m.Groups["name"].Value == "unit" ? Unit : Patient);
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT" or "PATCH")
            {
                request.Content = ServiceHost.Json("{}");
            }

            using var response = await client.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Forbidden)
            {
                answers.Add($"{route} ({method} {path}): {(int)response.StatusCode}");
            }
        }

        Assert.That(answers, Is.Empty, $"{role} must get 403 on every endpoint with patient data");
    }

    [GeneratedRegex(@"\{(?<name>[^}:=?]+)[^}]*\}", RegexOptions.CultureInvariant)]
    private static partial Regex Parameter();
}
