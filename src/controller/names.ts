// Names of the objects the operator creates for a credential that more than one controller needs:
// one place, so that the controller that writes an object and the one that grants or reads it agree.

/** The ConfigMap the credential's teams read: the items its AccessLists resolved (written by the AccessList controller, granted by the credential's consumer Role). */
export const accessConfigMapName = (credentialName: string): string => `${credentialName}-access`;
