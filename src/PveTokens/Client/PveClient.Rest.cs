// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace PveTokens.Client;

// Any API call (Invoke-PveRestMethod): the session's authentication, TLS, retries and errors for the
// parts of the API the module has no cmdlet for. The answer's data comes back as plain .NET values.
internal sealed partial class PveClient
{
    /// <summary>
    /// Sends <paramref name="method"/> to <paramref name="apiPath"/> (checked by <see cref="PveApiPath"/>)
    /// and returns the answer's <c>data</c>: null, a string, long, double or bool,
    /// <see cref="PveRestObject"/> for an object and <c>object?[]</c> for an array.
    /// </summary>
    internal async Task<object?> InvokeAsync(HttpMethod method, string apiPath, PveParameters? parameters, CancellationToken cancellationToken)
    {
        JsonElement data = await SendAsync(method, apiPath, parameters, ReadDataElementAsync, cancellationToken).ConfigureAwait(false);
        return ToPlain(data);
    }

    private static object? ToPlain(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var properties = new PveRestObject();
                foreach (JsonProperty p in element.EnumerateObject())
                {
                    properties.Add(new KeyValuePair<string, object?>(p.Name, ToPlain(p.Value)));
                }

                return properties;
            case JsonValueKind.Array:
                var items = new List<object?>();
                foreach (JsonElement item in element.EnumerateArray())
                {
                    items.Add(ToPlain(item));
                }

                return items.ToArray();
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                return element.TryGetInt64(out long integer) ? integer : element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}

/// <summary>A JSON object of an API answer: its members in the order PVE sent them.</summary>
internal sealed class PveRestObject : List<KeyValuePair<string, object?>>
{
}
