using System.Net;
using CrsMonitor.Service.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CrsMonitor.Service.Tests.Hosting;

/// <summary>
/// X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer on every response, whoever writes it: the dashboard's
/// static files, endpoints, the framework's 401/403/404/405, a 400, health, and a 500 from the exception handler (which
/// clears the response's headers before it writes).
/// </summary>
public sealed class SecurityHeadersTests
{
    private const string FailHeader = "X-Test-Fail-Inside";
    private ServiceHost host = null!;

    [OneTimeSetUp]
    public void StartHost() => host = new ServiceHost(services: s => s.AddSingleton<IAuthorizationHandler, FailingHandler>());

    [OneTimeTearDown]
    public void StopHost() => host.Dispose();

    [TestCase("GET", "/", null, HttpStatusCode.OK, TestName = "the dashboard page")]
    [TestCase("GET", "/styles.css", null, HttpStatusCode.OK, TestName = "a static file")]
    [TestCase("GET", "/health/live", null, HttpStatusCode.OK, TestName = "health live")]
    [TestCase("GET", "/health/ready", null, HttpStatusCode.OK, TestName = "health ready")]
    [TestCase("GET", "/fhir/metadata", null, HttpStatusCode.OK, TestName = "FHIR metadata")]
    [TestCase("GET", "/api/me", "nurse", HttpStatusCode.OK, TestName = "an endpoint")]
    [TestCase("GET", "/api/me", null, HttpStatusCode.Unauthorized, TestName = "401")]
    [TestCase("GET", "/api/protocols", "nurse", HttpStatusCode.Forbidden, TestName = "403")]
    [TestCase("GET", "/api/no-such-thing", "nurse", HttpStatusCode.NotFound, TestName = "404")]
    [TestCase("DELETE", "/api/me", "nurse", HttpStatusCode.MethodNotAllowed, TestName = "405")]
    [TestCase("POST", "/api/grading/evaluate", "nurse", HttpStatusCode.BadRequest, TestName = "400")]
    [TestCase("POST", "/fhir/Observation", "integration", HttpStatusCode.BadRequest, TestName = "FHIR 400")]
    [TestCase("GET", "/api/me", "fail", HttpStatusCode.InternalServerError, TestName = "500 from the exception handler")]
    public async Task EveryResponse_CarriesNosniffAndNoReferrer(string method, string path, string? role, HttpStatusCode expected)
    {
        using var client = host.ClientWith(role is null ? null : host.TokenFor(role == "fail" ? "nurse" : role, "7W"));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = ServiceHost.Json("{not json");
        }

        if (role == "fail")
        {
            request.Headers.Add(FailHeader, "1");
        }

        using var response = await client.SendAsync(request);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.StatusCode, Is.EqualTo(expected));
            Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { SecurityHeaders.ContentTypeOptions }));
            Assert.That(response.Headers.GetValues("Referrer-Policy"), Is.EqualTo(new[] { "no-referrer" }));
        }
    }

    /// <summary>Throws inside the pipeline (authorization runs after the exception handler) when the test asks it to.</summary>
    private sealed class FailingHandler : IAuthorizationHandler
    {
        public Task HandleAsync(AuthorizationHandlerContext context) =>
            context.Resource is HttpContext http && http.Request.Headers.ContainsKey(FailHeader)
                ? throw new InvalidOperationException("a failure inside the pipeline (test)")
                : Task.CompletedTask;
    }
}
