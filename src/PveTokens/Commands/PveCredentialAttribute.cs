// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System.Management.Automation;
using PveTokens.Access;

namespace PveTokens.Commands;

/// <summary>
/// The transformation of a user login's -Credential: a PSCredential passes, and a plain user name
/// prompts for the password as [Credential] does. A token string is refused instead: [Credential]
/// would make it the user name of a prompt, secret and all, on the screen and in the transcript.
/// </summary>
internal sealed class PveCredentialAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is string text && (text.IndexOf('=') >= 0 || InputEcho.LooksLikeTokenString(text)))
        {
            throw new ArgumentTransformationMetadataException(
                $"'{InputEcho.Quote(text)}' is an API token string, not a user name: give it with -ApiToken; -Credential takes a user login (PSCredential, or a user name to be asked for its password).");
        }

        if (value is not (null or string or PSCredential))
        {
            // [Credential] would fail with a bare "userName"; say what -Credential takes.
            throw new ArgumentTransformationMetadataException(
                $"-Credential got a {value.GetType().Name}: it takes a PSCredential (from Get-Credential) or a user name to be asked for its password.");
        }

        return new CredentialAttribute().Transform(engineIntrinsics, inputData);
    }
}
