using CrsMonitor.Service.Ingest;
using CrsMonitor.Service.Ingest.Endpoints;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Hosting;

/// <summary>
/// The one way an answer is written outside an endpoint (exception handlers, the request budget): an OperationOutcome
/// under /fhir (FHIR clients parse nothing else), problem+json elsewhere; the status code is set by the caller.
/// </summary>
public static class ErrorAnswer
{
    public static async System.Threading.Tasks.Task WriteAsync(
        HttpContext context, OperationOutcome.IssueType issueType, string title, string text, CancellationToken ct,
        IDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.Path.StartsWithSegments(FhirEndpoints.Base))
        {
            context.Response.ContentType = FhirHttp.MediaType + "; charset=utf-8";
            await context.Response.WriteAsync(FhirJson.Serialize(FhirOutcomes.Error(issueType, "Resource", text)), ct).ConfigureAwait(false);
            return;
        }

        var problem = new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = context.Response.StatusCode, Title = title, Detail = text },
        };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.ProblemDetails.Extensions[key] = value;
        }

        await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(problem).ConfigureAwait(false);
    }
}
