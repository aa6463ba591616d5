using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Diagnostics;
using Task = System.Threading.Tasks.Task;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// Bodies for status codes answered without an endpoint (401, 403, 404, 405 by the framework; 414, 431 by
/// <see cref="Hosting.RequestLimits"/>): under <c>/fhir</c> an OperationOutcome (FHIR clients parse nothing else),
/// elsewhere the problem+json every other endpoint uses.
/// </summary>
public static class FhirStatusCodes
{
    public static async Task WriteAsync(StatusCodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        var (type, text) = http.Response.StatusCode switch
        {
            StatusCodes.Status401Unauthorized => (OperationOutcome.IssueType.Login,
                http.Items[Hosting.ProblemMessages.UnauthorizedDetailKey] as string ?? "A valid bearer token is required (Authorization: Bearer <token>)."),
            StatusCodes.Status403Forbidden => (OperationOutcome.IssueType.Forbidden, "Your role is not allowed to use this interaction."),
            StatusCodes.Status404NotFound => (OperationOutcome.IssueType.NotSupported, "There is nothing at this address (see /fhir/metadata)."),
            StatusCodes.Status405MethodNotAllowed => (OperationOutcome.IssueType.NotSupported, "This address does not accept this HTTP method (see /fhir/metadata)."),
            StatusCodes.Status414UriTooLong => (OperationOutcome.IssueType.TooLong,
                $"The address (path and query) is longer than {Hosting.RequestLimits.MaxTargetLength / 1024} KB, the limit."),
            StatusCodes.Status431RequestHeaderFieldsTooLarge => (OperationOutcome.IssueType.TooLong,
                $"The request headers are larger than {Hosting.RequestLimits.MaxHeaderBytes / 1024} KB in all, the limit."),
            _ => (OperationOutcome.IssueType.Exception, "The request could not be processed."),
        };
        if (!http.Request.Path.StartsWithSegments(FhirEndpoints.Base))
        {
            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = http.Response.StatusCode, Detail = type is OperationOutcome.IssueType.TooLong ? text : null },
            }).ConfigureAwait(false);
            return;
        }

        http.Response.ContentType = FhirHttp.MediaType + "; charset=utf-8";
        await http.Response.WriteAsync(FhirJson.Serialize(FhirOutcomes.Error(type, Expression(http.Request.Path), text))).ConfigureAwait(false);
    }

    /// <summary>The address as the issue's expression: shortened, so a refused 8 KB address is not echoed whole.</summary>
    private static string Expression(PathString path)
    {
        var value = path.Value ?? FhirEndpoints.Base;
        return value.Length <= 200 ? value : value[..200] + "...";
    }
}
