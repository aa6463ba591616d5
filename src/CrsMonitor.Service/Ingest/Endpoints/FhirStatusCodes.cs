using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Diagnostics;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// Bodies for status codes the framework answers without an endpoint (401, 403, 404, 405): under <c>/fhir</c> an
/// OperationOutcome (FHIR clients parse nothing else), elsewhere the problem+json every other endpoint uses.
/// </summary>
public static class FhirStatusCodes
{
    public static async Task WriteAsync(StatusCodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        if (!http.Request.Path.StartsWithSegments(FhirEndpoints.Base))
        {
            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = http.Response.StatusCode },
            }).ConfigureAwait(false);
            return;
        }

        var (type, text) = http.Response.StatusCode switch
        {
            StatusCodes.Status401Unauthorized => (OperationOutcome.IssueType.Login,
                http.Items[Hosting.ProblemMessages.UnauthorizedDetailKey] as string ?? "A valid bearer token is required (Authorization: Bearer <token>)."),
            StatusCodes.Status403Forbidden => (OperationOutcome.IssueType.Forbidden, "Your role is not allowed to use this interaction."),
            StatusCodes.Status404NotFound => (OperationOutcome.IssueType.NotSupported, "There is nothing at this address (see /fhir/metadata)."),
            StatusCodes.Status405MethodNotAllowed => (OperationOutcome.IssueType.NotSupported, "This address does not accept this HTTP method (see /fhir/metadata)."),
            _ => (OperationOutcome.IssueType.Exception, "The request could not be processed."),
        };
        http.Response.ContentType = FhirHttp.MediaType + "; charset=utf-8";
        await http.Response.WriteAsync(FhirJson.Serialize(FhirOutcomes.Error(type, http.Request.Path.Value ?? FhirEndpoints.Base, text))).ConfigureAwait(false);
    }
}
