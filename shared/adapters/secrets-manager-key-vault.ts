import { PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** Where a deployment's first admin key is kept for the operator to read (and nowhere else). */
export class SecretsManagerKeyVault {
  constructor(private readonly client: SecretsManagerClient) {}

  async store(secretArn: string, value: Record<string, string>): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(value) }),
    );
  }
}
