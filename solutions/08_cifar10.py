# %% [markdown]
# # 08 · CIFAR-10
#
# Até aqui as imagens eram em tons de cinza e bem comportadas: dígitos e roupas centralizados
# num fundo liso. O CIFAR-10 é outra coisa: fotos coloridas e minúsculas de aviões, carros,
# bichos e navios, cada um em qualquer posição, com fundo de verdade. É o conjunto que o
# relatório do bootcamp LAMIA (veja as Fontes no fim) usa para treinar a sua primeira CNN
# colorida, e nós vamos refazer aquele experimento com cuidado e depois melhorá-lo.
#
# Você vai aprender a:
#
# - carregar o CIFAR-10, olhar as imagens de cada classe e medir a estatística dos pixels de
#   cada canal de cor;
# - separar uma validação estratificada do treino e entender por que o relatório errou ao
#   usar o teste como validação;
# - montar um *pipeline* de entrada com `tf.data` (`cache`, `shuffle`, `batch`, `prefetch`)
#   e saber para que serve cada passo;
# - treinar o modelo exato da aula, medir o tempo por passo e ler curvas, matriz de
#   confusão, acurácia por classe e os erros;
# - entender por que um modelo no estilo VGG vai melhor: pilhas de convoluções 3×3, *max
#   pooling* no lugar do passo 2 e *global average pooling* no lugar de uma camada densa
#   enorme, com os parâmetros contados.

# %%
import math

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.metrics import confusion_matrix

from course_utils import config, fmt
from course_utils.checks import ____
from course_utils.conv import output_size
from course_utils.datasets import CIFAR10_CLASSES, load_cifar10
from course_utils.exercises.lesson08 import (
    BATCH_SIZE,
    STACK_CHANNELS,
    VAL_FRACTION,
    VGG_FILTERS,
    VGG_FILTERS_FAST,
    ex1,
    ex2,
    ex3,
    ex4,
    measured_receptive_field,
)
from course_utils.lessons import SEED, reference_split
from course_utils.models import build_cifar_lecture_model, build_vgg_style
from course_utils.pipelines import make_dataset
from course_utils.plots import (
    plot_confusion_matrix,
    plot_history,
    show_images,
    show_matrix,
    show_feature_maps,
    show_misclassified,
)
from course_utils.timing import StepTimer

config.set_seed(SEED)
print(config.fast_mode_line())
print(config.accelerator_line(8))

# %% [markdown]
# As escolhas de treino ficam aqui em cima. `config.epochs(5, 1)` dá as 5 épocas do
# relatório normalmente e 1 no modo rápido; no modo rápido o modelo VGG também fica menor
# (menos filtros), com o mesmo código.

# %%
EPOCHS = config.epochs(5, 1)
vgg_filters = VGG_FILTERS_FAST if config.FAST else VGG_FILTERS
print(f"épocas: {EPOCHS} | lote: {BATCH_SIZE} | fração de validação: {fmt.num(VAL_FRACTION)} | "
      f"semente: {SEED} | filtros do VGG: {vgg_filters}")

# %% [markdown]
# ## Os dados
#
# O CIFAR-10 (Krizhevsky, 2009) tem dez classes, já separadas em treino e teste.
# `load_cifar10` devolve os dois pares `(imagens, rótulos)` como `uint8`, com os rótulos num
# vetor simples (o `keras.datasets.cifar10` os entrega como uma coluna, por isso o relatório
# precisou de `flatten()`).

# %%
(x_train_all, y_train_all), (x_test, y_test) = load_cifar10()
print("treino:", x_train_all.shape, x_train_all.dtype, "| rótulos:", y_train_all.shape)
print("teste: ", x_test.shape, x_test.dtype, "| rótulos:", y_test.shape)

# %% [markdown]
# Leia cada formato como (imagens, altura, largura, canais): fotos 32×32 com três canais,
# vermelho, verde e azul. No relatório, com o conjunto completo, a mesma célula imprimiu
#
# > `(50000, 32, 32, 3) (10000, 32, 32, 3) (50000,) (10000,)`
#
# No modo rápido (o dos testes automáticos do curso), ou se a sua cópia do CIFAR-10 for só
# uma amostra, a sua célula mostra menos imagens. As contas desta aula valem para qualquer
# tamanho; só as acurácias ficam mais modestas com menos dados.
#
# Os rótulos são inteiros de 0 a 9; `CIFAR10_CLASSES` dá o nome de cada um. Quantas imagens
# há de cada classe?

# %%
for name, labels in (("treino", y_train_all), ("teste", y_test)):
    counts = np.bincount(labels, minlength=10)
    print(f"{name:>6}:", ", ".join(f"{c} {fmt.num(n)}" for c, n in zip(CIFAR10_CLASSES, counts)))
print(f"acerto esperado de quem chuta uma classe ao acaso: {fmt.pct(1 / len(CIFAR10_CLASSES), 0)}")

# %% [markdown]
# Classes equilibradas: a acurácia é uma medida justa, e a última linha é a referência mínima
# que qualquer modelo precisa superar.
#
# ## Como são as imagens
#
# Cada coluna abaixo é uma classe, com as suas primeiras imagens do treino:

# %%
per_class = int(min(8, np.bincount(y_train_all, minlength=10).min()))
index = np.stack([np.flatnonzero(y_train_all == c)[:per_class] for c in range(10)], axis=1)
titles = [CIFAR10_CLASSES[c] if row == 0 else "" for row in range(per_class) for c in range(10)]
show_images(x_train_all[index.ravel()], titles=titles, ncols=10,
            figsize=(12, 1.25 * per_class + 0.8),
            suptitle=f"{per_class} imagens de cada classe do treino");

# %% [markdown]
# Repare como o problema é mais difícil que o MNIST: o objeto pode estar de frente, de lado,
# longe, cortado; o fundo muda (céu, mar, grama, estrada); e com 32×32 pixels até uma pessoa
# às vezes hesita entre um gato e um cachorro. As cores ajudam (céu azul sugere avião ou
# navio), mas também enganam: um pássaro contra o céu lembra um avião.

# %% [markdown]
# ## Treino, validação e teste
#
# O relatório treina assim:
#
# > `r = model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs = 5)`
#
# Ou seja, usa o **teste** como validação. Parece inofensivo, mas estraga a medida final:
# tudo o que você decide olhando a curva de validação (quantas épocas, qual arquitetura,
# qual taxa de *dropout*) fica ajustado justamente a essas imagens. A acurácia anunciada no
# fim passa a ser otimista, e não sobra nenhum conjunto que o modelo (e você) nunca tenha
# visto para medir de forma honesta.
#
# O jeito certo, que você já usou na aula 07: a validação sai do **treino**, estratificada
# (cada classe na mesma proporção) e com a semente fixa; o teste fica guardado até o fim
# desta aula. `reference_split`, de `course_utils.lessons`, é essa divisão, a mesma em todas
# as aulas: o `train_test_split` do scikit-learn com `stratify` e a semente do curso, `SEED`.

# %%
x_tr, x_val, y_tr, y_val = reference_split(x_train_all, y_train_all, VAL_FRACTION)
print(f"treino: {fmt.num(len(y_tr))} | validação: {fmt.num(len(y_val))} | "
      f"teste: {fmt.num(len(y_test))} imagens")
print("imagens por classe na validação:", np.bincount(y_val, minlength=10).tolist())

# %% [markdown]
# O modelo agora aprende com menos imagens que no relatório (uma parte virou validação). É o
# preço de uma medida honesta; depois de escolher o modelo, você poderia treiná-lo de novo
# com o treino inteiro.
#
# ## A estatística dos pixels
#
# Antes de treinar, vale saber que números entram na rede. Para cada canal de cor, a
# **média** e o **desvio padrão** dos pixels dizem onde os valores se concentram e quanto
# se espalham. Essas contas se fazem **só no treino**: a validação e o teste fazem o papel de
# imagens novas, e o que você aprende delas vaza para o modelo.
#
# ### Exercício 1 · Média e desvio padrão por canal
#
# Complete `channel_stats(images)`: recebe imagens `uint8` de formato `(N, altura, largura,
# 3)` e devolve `(média, desvio_padrão)`, cada um com formato `(3,)` (um valor por canal,
# na ordem R, G, B), calculados sobre **todos os pixels de todas as imagens**, na escala
# $[0, 1]$ (divida por 255). O `check` compara com o NumPy em lotes aleatórios.


# %%
def channel_stats(images):
    """uint8 (N, H, W, 3) → (média, desvio padrão) de cada canal, na escala [0, 1]."""
    # BEGIN SOLUTION ex1
    x = images.astype("float32") / 255
    return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))
    # END SOLUTION


ex1.check(channel_stats)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# Nos dados da aula, a conta é feita canal por canal, para não criar uma cópia `float` de
# todas as imagens de uma vez (com o conjunto completo seriam centenas de megabytes). Como
# dividir por 255 não muda a forma da distribuição, calculamos em 0–255 e dividimos no fim.

# %%
train_mean = np.array([x_tr[..., c].mean() for c in range(3)]) / 255
train_std = np.array([x_tr[..., c].std() for c in range(3)]) / 255
for name, m, s in zip(("vermelho", "verde", "azul"), train_mean, train_std):
    print(f"{name:>8}: média {fmt.num(m, 3)} | desvio padrão {fmt.num(s, 3)}")

# %% [markdown]
# E a distribuição completa: a fração dos pixels de cada canal que tem cada valor de 0 a 255.
# Com `uint8`, `np.bincount` conta os 256 valores de uma vez, sem sortear nada.

# %%
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
for c, (name, color) in enumerate((("vermelho", "tab:red"), ("verde", "tab:green"),
                                   ("azul", "tab:blue"))):
    counts = np.bincount(x_tr[..., c].ravel(), minlength=256)
    ax.stairs(counts / counts.sum(), np.arange(257), color=color, label=name)
ax.set_xlabel("valor do pixel (0–255)")
ax.set_ylabel("fração dos pixels")
ax.yaxis.set_major_formatter(fmt.tick_formatter())
ax.set_title("Histograma dos pixels do treino, por canal")
ax.legend(loc="upper center");

# %% [markdown]
# Os três canais ocupam a faixa toda. Vermelho e verde quase se sobrepõem; o azul tem mais
# pixels escuros, e por isso a média menor que a célula anterior mostra. Os picos nas pontas
# são pixels saturados, puro preto ou puro branco.
#
# **Normalizar.** Há duas escolhas comuns para entregar esses números à rede:
#
# - **escalar** para $[0, 1]$: $x / 255$, o que o relatório faz;
# - **padronizar** cada canal: $(x/255 - \mu_c) / \sigma_c$, com a média $\mu_c$ e o
#   desvio $\sigma_c$ do **treino**, aplicados também à validação e ao teste. Cada canal fica
#   com média perto de 0 e desvio perto de 1.
#
# Veja a padronização aplicada à validação com as estatísticas do treino:

# %%
val_standard = (x_val.astype("float32") / 255 - train_mean) / train_std
print("média por canal na validação padronizada:", np.round(val_standard.mean(axis=(0, 1, 2)), 3))
print("desvio por canal na validação padronizada:", np.round(val_standard.std(axis=(0, 1, 2)), 3))

# %% [markdown]
# Perto de 0 e 1, mas não exatamente: as estatísticas vêm do treino, e a validação é outra
# amostra. É assim que deve ser. (Dentro do modelo, a camada `keras.layers.Normalization`
# faz a mesma conta.) Nesta aula ficamos com a escala $[0, 1]$, a do relatório, para comparar
# os modelos com ele; os dois modelos aprendem bem com ela.
#
# ## O *pipeline* de entrada com `tf.data`
#
# O relatório entrega arrays NumPy ao `fit`. Funciona, mas o `tf.data` deixa cada etapa da
# preparação explícita e rápida. Um `tf.data.Dataset` é uma sequência de exemplos que você
# transforma passo a passo:
#
# 1. `from_tensor_slices((x, y))`: um exemplo por imagem, com o rótulo junto;
# 2. `map(...)`: converte cada imagem para `float32` e divide por 255;
# 3. `cache()`: guarda o resultado na memória depois da primeira época, para não refazer a
#    conversão a cada época (com imagens lidas do disco, o ganho é muito maior);
# 4. `shuffle(len(x))`: embaralha os exemplos com um *buffer* do tamanho dos dados (um
#    *buffer* menor só embaralha vizinhos) e reembaralha a cada época; só no treino. Vem
#    **depois** do `cache`, senão a primeira ordem fica gravada, e **antes** do `batch`,
#    senão ele embaralha lotes inteiros;
# 5. `batch(BATCH_SIZE)`: agrupa os exemplos em lotes; o último pode ser menor;
# 6. `prefetch(tf.data.AUTOTUNE)`: prepara o próximo lote enquanto o modelo treina com o
#    atual, para o processador (ou a GPU) não ficar esperando dados.
#
# ### Exercício 2 · Monte o *pipeline*
#
# Complete `build_pipeline(x, y, batch_size, shuffle, seed)` com esses passos. Ele deve
# devolver lotes de imagens `float32` em $[0, 1]$ de formato `(None, 32, 32, 3)` com os
# rótulos, todos os exemplos uma vez por época, e embaralhar (com `seed`) só quando
# `shuffle=True`. O `check` olha o `element_spec` e percorre o dataset duas vezes.


# %%
def build_pipeline(x, y, batch_size=BATCH_SIZE, shuffle=False, seed=SEED):
    """Arrays uint8 → tf.data.Dataset de lotes (float32 em [0, 1], rótulo)."""
    # BEGIN SOLUTION ex2
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.map(lambda image, label: (tf.cast(image, tf.float32) / 255.0, label))
    dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    # END SOLUTION


ex2.check(build_pipeline)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# Daqui em diante usamos `make_dataset`, de `course_utils.pipelines`, que faz os mesmos
# passos (e aceita um aumento de dados, que você vai usar na aula 09). Só o treino é
# embaralhado.

# %%
train_ds = make_dataset(x_tr, y_tr, BATCH_SIZE, shuffle=True, seed=SEED)
val_ds = make_dataset(x_val, y_val, BATCH_SIZE)
test_ds = make_dataset(x_test, y_test, BATCH_SIZE)
print(train_ds.element_spec)

# %% [markdown]
# O `element_spec` descreve cada elemento: um lote de imagens `(None, 32, 32, 3)` (`None`
# porque o último lote pode ser menor) e um vetor de rótulos. Um lote de verdade:

# %%
images, labels = next(iter(train_ds))
print("imagens:", images.shape, images.dtype, "| de", fmt.num(float(tf.reduce_min(images))),
      "a", fmt.num(float(tf.reduce_max(images))))
print("rótulos:", labels.shape, labels.dtype, "| primeiros:", labels[:8].numpy())

# %% [markdown]
# ## O modelo da aula
#
# `build_cifar_lecture_model` (de `course_utils.models`) reproduz, camada por camada, o
# modelo do relatório. A parte que importa do código dela é esta:
#
# ```python
# x = keras.Input(shape=(32, 32, 3))
# for filtros in (32, 64, 128):                # três convoluções 3×3 com passo (stride) 2
#     x = layers.Conv2D(filtros, 3, strides=2, activation="relu")(x)
# x = layers.Flatten()(x)                      # os mapas viram um vetor só
# x = layers.Dropout(0.2)(x)
# x = layers.Dense(1024, activation="relu")(x) # a densa de 1024 neurônios
# x = layers.Dropout(0.2)(x)
# saida = layers.Dense(10, activation="softmax")(x)  # uma probabilidade por classe
# ```
#
# O resumo do Keras mostra o formato e os parâmetros de cada camada:

# %%
config.set_seed(SEED)
lecture_model = build_cifar_lecture_model()
lecture_model.summary()

# %% [markdown]
# Siga a altura das imagens pelo modelo. A fórmula $W_2 = (W_1 - F + 2P)/S + 1$ (dos slides
# do IFCE e da aula "03 · Anatomia de uma CNN") não dá inteiro na primeira convolução, e
# `output_size` avisa:

# %%
try:
    output_size(32, 3, s=2)
except ValueError as error:
    print("output_size(32, 3, s=2):", error)
for layer in lecture_model.layers:
    if isinstance(layer, keras.layers.Conv2D):
        print(f"{layer.name}: {layer.input.shape[1:]} → {layer.output.shape[1:]}")
first = lecture_model.layers[1]
reach = first.strides[0] * (first.output.shape[1] - 1) + first.kernel_size[0]
print(f"as janelas da primeira convolução cobrem as linhas 0 a {reach - 1}; "
      f"a imagem vai de 0 a {first.input.shape[1] - 1}")

# %% [markdown]
# O Keras arredonda para baixo: as janelas começam nas linhas 0, 2, 4, ..., e a última
# termina antes da borda. A primeira convolução simplesmente não olha a última linha nem a
# última coluna da imagem. Guarde esse detalhe; ele volta na comparação com o modelo VGG.
#
# Compilamos como no relatório: Adam, entropia cruzada com rótulos inteiros e acurácia.

# %%
lecture_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])

# %% [markdown]
# O relatório não fixou o tamanho do lote, então valeu o padrão do Keras, 32: é o que os
# passos por época do log dele confirmam (o conjunto de treino completo dividido em lotes de
# 32). Usamos o mesmo.

# %%
LECTURE_TRAIN_SIZE, LECTURE_STEPS = 50_000, 1563  # do log do relatório
print(f"passos por época com lotes de {BATCH_SIZE}: "
      f"{fmt.num(math.ceil(LECTURE_TRAIN_SIZE / BATCH_SIZE))} | no log do relatório: "
      f"{fmt.num(LECTURE_STEPS)}")

# %% [markdown]
# ### Medindo o tempo
#
# Para comparar modelos (e máquinas), medimos o tempo de cada época e, dele, o tempo por
# passo (um passo é um lote). Um *callback* do Keras é um objeto cujos métodos o `fit` chama
# em momentos certos; este anota o relógio no começo de cada época e depois de cada lote,
# então o tempo de treino não inclui a passada de validação do fim da época. Ele está em
# `course_utils.timing`; o miolo dele são três métodos:
#
# ```python
# class StepTimer(keras.callbacks.Callback):
#     def on_epoch_begin(self, epoch, logs=None):      # começo da época: zera o relógio
#         self._start = time.perf_counter()
#         self._steps = 0
#
#     def on_train_batch_end(self, batch, logs=None):  # depois de cada lote de treino
#         self._steps += 1
#         self._last_step = time.perf_counter()
#
#     def on_epoch_end(self, epoch, logs=None):        # fim da época (depois da validação)
#         self.train_seconds.append(self._last_step - self._start)
#         self.steps.append(self._steps)
# ```
#
# `ms_per_step()` divide os segundos de treino de cada época pelos passos e devolve a
# mediana, deixando de fora a primeira época (que inclui montar o grafo) quando há mais de
# uma.

# %% [markdown]
# Agora o treino. A validação é `val_ds`, não o teste. Um detalhe: com arrays NumPy, o `fit`
# embaralha os dados sozinho (`shuffle=True` é o padrão); com um `tf.data.Dataset`, quem
# embaralha é o *pipeline*, então dizemos `shuffle=False` ao `fit` (senão ele avisa que vai
# ignorar o pedido).

# %%
lecture_timer = StepTimer()
lecture_history = lecture_model.fit(
    train_ds,
    validation_data=val_ds,
    epochs=EPOCHS,
    shuffle=False,
    callbacks=[lecture_timer],
    verbose=2,
)

# %%
lecture_ms = lecture_timer.ms_per_step()
lecture_val_acc = lecture_history.history["val_accuracy"][-1]
print(f"passos por época: {fmt.num(lecture_timer.steps[0])} ({fmt.num(len(y_tr))} imagens / "
      f"{BATCH_SIZE} por lote = {fmt.num(len(y_tr) / BATCH_SIZE, 2)}, arredondado para cima)")
print("segundos por época:", "; ".join(fmt.num(t, 1) for t in lecture_timer.epoch_seconds))
print(f"tempo por passo: {fmt.num(lecture_ms, 1)} ms")
print(f"acurácia de validação depois de {EPOCHS} época(s): {fmt.pct(lecture_val_acc, 2)}")

# %% [markdown]
# O relatório, na última época, mostrou:
#
# > ```
# > Epoch 5/5
# > 1563/1563 — 78s 35ms/step - accuracy: 0.7343 - loss: 0.7451 - val_accuracy: 0.6909 - val_loss: 0.8890
# > ```
#
# Duas ressalvas para comparar com a célula acima. O `val_accuracy` do relatório é, na
# verdade, a acurácia no **teste** (a validação dele era o teste). E o tempo por passo
# depende da máquina: o relatório rodou no Colab (sem dizer com qual acelerador); o seu
# número é o da máquina em que você está, e com uma época só (modo rápido) ele inclui o tempo
# de compilar o grafo na primeira época. No modo rápido, ou com uma amostra do CIFAR-10, a rede
# também viu bem menos imagens, então a acurácia fica abaixo da do relatório.
#
# As curvas de treino, como o relatório desenha (perda e acurácia):

# %%
plot_history(lecture_history);

# %% [markdown]
# Com o conjunto completo, as curvas do relatório mostram o padrão típico deste modelo: a
# acurácia de treino passa a de validação nas últimas épocas, sinal de que a rede começa a
# decorar o treino (a densa enorme ajuda nisso: você vai contar os pesos dela mais adiante).
# Compare com as suas curvas.
#
# ## Onde o modelo erra
#
# A acurácia é um número só; para entender os erros, olhe as previsões na **validação** (o
# teste continua guardado).

# %%
lecture_pred = lecture_model.predict(val_ds, verbose=0).argmax(axis=1)
plot_confusion_matrix(y_val, lecture_pred, class_names=CIFAR10_CLASSES);

# %%
cm = confusion_matrix(y_val, lecture_pred, labels=range(10))
print(cm)

# %% [markdown]
# ### Exercício 3 · Acurácia por classe
#
# A acurácia de uma classe é a fração das imagens **daquela classe** que a rede acertou.
# Escreva `per_class_accuracy(cm)`: recebe a matriz de confusão (linha = classe verdadeira,
# coluna = classe prevista) e devolve um vetor com a acurácia de cada classe, na ordem das
# linhas.


# %%
def per_class_accuracy(cm):
    """Matriz de confusão (C, C) → acurácia de cada classe, formato (C,)."""
    # BEGIN SOLUTION ex3
    return np.diag(cm) / cm.sum(axis=1)
    # END SOLUTION


ex3.check(per_class_accuracy)

# %%
# ex3.hint()
# ex3.solution()

# %% [markdown]
# A mesma conta com a matriz do nosso modelo, em ordem crescente:

# %%
class_acc = np.diag(cm) / cm.sum(axis=1)
order = np.argsort(class_acc)
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
ax.barh([CIFAR10_CLASSES[k] for k in order], class_acc[order], color="tab:blue")
ax.axvline(np.trace(cm) / cm.sum(), color="black", linestyle="--", label="acurácia geral")
ax.set_xlim(0, 1)
ax.xaxis.set_major_formatter(fmt.tick_formatter())
ax.set_xlabel("acurácia na validação")
ax.set_title("Acurácia por classe (modelo da aula)")
ax.legend();
print(f"pior classe: {CIFAR10_CLASSES[order[0]]} ({fmt.pct(class_acc[order[0]], 0)}) | "
      f"melhor: {CIFAR10_CLASSES[order[-1]]} ({fmt.pct(class_acc[order[-1]], 0)})")

# %% [markdown]
# E os erros mais comuns: os maiores valores fora da diagonal, no sentido "era X, a rede
# disse Y".

# %%
off = cm.copy()
np.fill_diagonal(off, 0)
for flat in np.argsort(off, axis=None)[::-1][:3]:
    true, pred = np.unravel_index(flat, off.shape)
    print(f"{off[true, pred]:>5} imagens de {CIFAR10_CLASSES[true]} previstas como "
          f"{CIFAR10_CLASSES[pred]}")

# %% [markdown]
# O relatório imprime a matriz de confusão inteira do modelo dele, no teste completo. As
# mesmas contas nela:

# %%
LECTURE_CM = np.array([  # matriz de confusão impressa no relatório do bootcamp
    [710, 22, 77, 13, 32, 6, 23, 14, 71, 32],
    [15, 864, 8, 3, 6, 3, 13, 6, 21, 61],
    [49, 11, 590, 30, 93, 72, 100, 27, 20, 8],
    [15, 12, 82, 351, 97, 188, 169, 51, 16, 19],
    [11, 2, 86, 25, 670, 29, 92, 74, 9, 2],
    [9, 4, 67, 116, 72, 574, 91, 47, 11, 9],
    [3, 7, 27, 32, 40, 8, 867, 5, 6, 5],
    [14, 6, 45, 22, 79, 63, 16, 741, 2, 12],
    [56, 39, 24, 14, 21, 3, 11, 2, 808, 22],
    [36, 122, 10, 11, 10, 6, 15, 25, 31, 734],
])
print(f"acurácia (traço / total): {fmt.num(np.trace(LECTURE_CM) / LECTURE_CM.sum(), 4)}")
lecture_class_acc = np.diag(LECTURE_CM) / LECTURE_CM.sum(axis=1)
worst = int(np.argmin(lecture_class_acc))
print(f"pior classe: {CIFAR10_CLASSES[worst]} ({fmt.pct(lecture_class_acc[worst], 0)})")
both_ways = LECTURE_CM + LECTURE_CM.T  # erros nos dois sentidos, X↔Y
np.fill_diagonal(both_ways, 0)
a, b = np.unravel_index(np.argmax(np.triu(both_ways)), both_ways.shape)
print(f"par mais confundido nos dois sentidos: {CIFAR10_CLASSES[a]} ↔ {CIFAR10_CLASSES[b]} "
      f"({both_ways[a, b]} imagens)")
vehicle = np.isin(np.arange(10), [CIFAR10_CLASSES.index(v) for v in
                                  ("avião", "automóvel", "navio", "caminhão")])
crosses = vehicle[:, None] != vehicle[None, :]  # erro entre um bicho e um veículo
errors = LECTURE_CM.sum() - np.trace(LECTURE_CM)
print(f"erros que trocam bicho por veículo ou vice-versa: {LECTURE_CM[crosses].sum()} "
      f"de {fmt.num(errors)} ({fmt.pct(LECTURE_CM[crosses].sum() / errors, 0)})")

# %% [markdown]
# Desenhada como a do nosso modelo (cada casa $(i, j)$ vira $C_{ij}$ pares "verdadeira $i$,
# prevista $j$", e `plot_confusion_matrix` conta de novo), a matriz do relatório fica assim:

# %%
true_idx, pred_idx = np.indices(LECTURE_CM.shape)
plot_confusion_matrix(np.repeat(true_idx.ravel(), LECTURE_CM.ravel()),
                      np.repeat(pred_idx.ravel(), LECTURE_CM.ravel()),
                      class_names=CIFAR10_CLASSES,
                      title=f"Matriz de confusão do relatório ({fmt.num(LECTURE_CM.sum())} imagens "
                            "de teste)");

# %% [markdown]
# A acurácia calculada bate com o `val_accuracy` da última época do relatório: confirma que a
# "validação" dele era o teste. E os erros fazem sentido: a pior classe perde imagens para
# outros bichos, e a última linha mostra que só uma pequena parte dos erros troca um bicho
# por um veículo (ou o contrário). A rede já separa bem as duas famílias; o difícil é
# distinguir os parecidos dentro de cada uma.
#
# Por fim, olhe alguns erros do nosso modelo, com a classe verdadeira e a prevista:

# %%
show_misclassified(x_val, y_val, lecture_pred, class_names=CIFAR10_CLASSES, n=10);

# %% [markdown]
# ## Um modelo no estilo VGG
#
# A VGG16 dos slides do IFCE usa só convoluções 3×3, em blocos separados por *max pooling*.
# `build_vgg_style` é uma versão pequena dessa receita para imagens 32×32: em cada bloco,
# duas convoluções 3×3 com preenchimento (*padding*) `"same"` e ReLU, depois *max pooling*
# 2×2; no fim, *global average pooling* e a saída softmax. Três ideias explicam por que essa
# receita costuma ir melhor que o modelo da aula.
#
# ### 1. Duas convoluções 3×3 enxergam o mesmo que uma 5×5
#
# Cada pixel da saída de uma convolução 3×3 depende de uma janela 3×3 da entrada: o seu
# **campo receptivo**. Empilhe duas: cada pixel da segunda camada olha 3×3 pixels da
# primeira, e cada um desses olha a sua própria janela 3×3 da imagem, com sobreposição.
#
# ### Exercício 4 · Campo receptivo e parâmetros
#
# Responda com números (ou contas):
#
# - `rf_two_3x3`: o lado do campo receptivo de duas convoluções 3×3 empilhadas (passo 1);
# - `params_two_3x3`: os parâmetros (pesos e vieses) dessas duas camadas, quando cada uma
#   recebe `STACK_CHANNELS` canais e tem `STACK_CHANNELS` filtros;
# - `params_one_5x5`: os parâmetros de **uma** convolução 5×5 com os mesmos canais.

# %%
print("STACK_CHANNELS =", STACK_CHANNELS)

# %%
# BEGIN SOLUTION ex4
rf_two_3x3 = 3 + (3 - 1)
params_two_3x3 = 2 * (3 * 3 * STACK_CHANNELS + 1) * STACK_CHANNELS
params_one_5x5 = (5 * 5 * STACK_CHANNELS + 1) * STACK_CHANNELS
# END SOLUTION
ex4.check((rf_two_3x3, params_two_3x3, params_one_5x5))

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# O TensorFlow confirma o campo receptivo. Montamos duas convoluções 3×3 com todos os pesos
# iguais a 1 e pedimos o gradiente do pixel central da saída em relação à imagem: ele só é
# diferente de zero nos pixels de que esse pixel depende.

# %%
probe = keras.Sequential([
    keras.Input(shape=(11, 11, 1)),
    keras.layers.Conv2D(1, 3, use_bias=False, kernel_initializer="ones"),
    keras.layers.Conv2D(1, 3, use_bias=False, kernel_initializer="ones"),
])
image = tf.random.uniform((1, 11, 11, 1))
with tf.GradientTape() as tape:
    tape.watch(image)
    output = probe(image)
    centre = output[0, output.shape[1] // 2, output.shape[2] // 2, 0]
grad = tape.gradient(centre, image).numpy()[0, :, :, 0]
rows = np.flatnonzero(grad.any(axis=1))
print("lado do campo receptivo:", len(rows))
show_matrix(grad, title="Gradiente do pixel central (duas convoluções 3×3)", fmt="{:.0f}");

# %% [markdown]
# O campo é 5×5, e os números contam por quantos caminhos cada pixel da imagem chega ao
# centro: o meio pesa mais que a borda. A mesma medida para outras pilhas:

# %%
for kernels in ((3,), (3, 3), (5,), (3, 3, 3), (7,)):
    print(f"convoluções {kernels}: campo receptivo {measured_receptive_field(kernels)}")

# %% [markdown]
# E os parâmetros, contados pelo próprio Keras:

# %%
c = STACK_CHANNELS
stack_input = keras.Input(shape=(32, 32, c))
conv3a = keras.layers.Conv2D(c, 3, padding="same")
conv3b = keras.layers.Conv2D(c, 3, padding="same")
conv5 = keras.layers.Conv2D(c, 5, padding="same")
conv3b(conv3a(stack_input))
conv5(stack_input)
two_3x3 = conv3a.count_params() + conv3b.count_params()
print(f"duas 3×3: {fmt.num(two_3x3)} parâmetros | uma 5×5: {fmt.num(conv5.count_params())} "
      f"parâmetros | razão: {fmt.num(two_3x3 / conv5.count_params(), 2)}")
print(f"três 3×3 contra uma 7×7 (sem vieses): {fmt.num(3 * 9 * c * c)} contra "
      f"{fmt.num(49 * c * c)}")

# %% [markdown]
# Mesmo campo receptivo com menos parâmetros, e de brinde uma ReLU a mais entre as duas
# camadas: a pilha pode representar funções que uma convolução só não representa. É o
# argumento do artigo da VGG (Simonyan e Zisserman, 2014).
#
# ### 2. *Max pooling* no lugar do passo 2
#
# O modelo da aula reduz a imagem com convoluções de passo 2: cada filtro só é calculado em
# uma de cada quatro posições, e, como você viu, a primeira camada nem chega à última linha e
# à última coluna. O bloco VGG calcula a convolução em **todas** as posições (passo 1,
# `"same"`) e só depois reduz com *max pooling* 2×2, que guarda a resposta mais forte de cada
# janela: se um detalhe se desloca um pixel dentro da janela, o máximo continua lá. Siga os
# formatos:

# %%
config.set_seed(SEED)
vgg_model = build_vgg_style(filters=vgg_filters, batch_norm=False, dropout=0.0)
for layer in vgg_model.layers[1:]:
    print(f"{layer.name:<28} → {layer.output.shape[1:]}")

# %% [markdown]
# ### 3. *Global average pooling* no lugar de uma densa enorme
#
# No fim, o modelo da aula achata os mapas (`Flatten`) e liga cada valor a cada um dos 1024
# neurônios da densa. O modelo VGG tira a **média** de cada mapa (*global average pooling*):
# sobra um número por filtro, que vai direto à saída. Onde ficam os parâmetros de cada um:

# %%
for model in (lecture_model, vgg_model):
    total = model.count_params()
    print(f"{model.name}: {fmt.num(total)} parâmetros")
    for layer in model.layers:
        if layer.count_params():
            print(f"   {layer.name:<14}{fmt.num(layer.count_params()):>10}  "
                  f"({fmt.pct(layer.count_params() / total, 0)})")
print(f"razão de parâmetros (aula / VGG): "
      f"{fmt.num(lecture_model.count_params() / vgg_model.count_params(), 1)}")

# %% [markdown]
# Quase todo o modelo da aula é a primeira densa: um monte de pesos que ligam **posições**
# específicas dos mapas às classes e que facilitam decorar o treino. No VGG, os parâmetros
# estão nas convoluções, que são compartilhadas por todas as posições da imagem.
#
# Menos parâmetros não quer dizer menos contas. Cada peso de uma convolução é usado em todas
# as posições do mapa, e o VGG calcula os primeiros mapas em resolução cheia. Contando as
# multiplicações por imagem (para uma convolução: posições da saída × tamanho do filtro ×
# filtros):

# %%
def multiplications(model):
    """Multiplicações por imagem nas camadas Conv2D e Dense (sem vieses)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            total += math.prod(layer.output.shape[1:3]) * math.prod(layer.kernel.shape)
        elif isinstance(layer, keras.layers.Dense):
            total += math.prod(layer.kernel.shape)
    return total


lecture_mults, vgg_mults = multiplications(lecture_model), multiplications(vgg_model)
print(f"modelo da aula: {fmt.num(lecture_mults / 1e6, 1)} milhões de multiplicações por imagem")
print(f"modelo VGG:     {fmt.num(vgg_mults / 1e6, 1)} milhões "
      f"({fmt.num(vgg_mults / lecture_mults, 1)}× mais)")

# %% [markdown]
# Ou seja, o VGG tem menos parâmetros mas faz mais contas: cada passo de treino demora mais.
# Vamos medir, com o mesmo *pipeline*, o mesmo otimizador e as mesmas épocas.

# %%
vgg_model.summary()

# %%
vgg_model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
vgg_timer = StepTimer()
vgg_history = vgg_model.fit(
    train_ds,
    validation_data=val_ds,
    epochs=EPOCHS,
    shuffle=False,
    callbacks=[vgg_timer],
    verbose=2,
)

# %%
plot_history(vgg_history);

# %% [markdown]
# Os dois modelos lado a lado, depois do mesmo número de épocas:

# %%
vgg_ms = vgg_timer.ms_per_step()
vgg_val_acc = vgg_history.history["val_accuracy"][-1]
for name, acc, ms, model in (("aula", lecture_val_acc, lecture_ms, lecture_model),
                             ("VGG", vgg_val_acc, vgg_ms, vgg_model)):
    print(f"{name:>4}: validação {fmt.pct(acc, 2)} | {fmt.num(ms, 1)} ms/passo | "
          f"{fmt.num(model.count_params())} parâmetros")
if lecture_val_acc > 0:
    print(f"acurácia VGG / aula: {fmt.num(vgg_val_acc / lecture_val_acc, 2)}")
else:
    print("acurácia VGG / aula: indefinida (o modelo da aula não acertou nada)")
print(f"tempo por passo VGG / aula: {fmt.num(vgg_ms / lecture_ms, 1)}")

# %% [markdown]
# A razão das acurácias compara os dois modelos com o mesmo treino; a razão dos
# tempos diz quanto o VGG custa a mais por passo. Não espere que ele ganhe sempre. Sem a
# normalização em lote (*batch normalization*, assunto da aula 10), o VGG começa devagar
# (compare a primeira época nas duas curvas) e, com poucas imagens e poucas épocas, pode
# terminar empatado com o modelo da aula, ou até atrás. A vantagem aparece com mais passos de
# treino (mais épocas, ou o conjunto completo, que tem mais lotes por época): o modelo da aula
# passa a decorar o treino, com a acurácia de treino subindo e a de validação parada, enquanto o
# VGG melhora na validação por mais tempo e chega mais alto (sem *dropout*, ele também acaba
# decorando, só que mais tarde). No modo rápido (poucas imagens, uma época, um VGG menor) os
# números oscilam muito e a comparação quase não diz nada.
#
# O que os autores do curso mediram, para você saber o que esperar: com uma amostra de 10.000
# imagens do CIFAR-10 (8.000 de treino, 2.000 de validação), num computador de 2 núcleos sem
# GPU, as 5 épocas da aula deixaram os dois modelos praticamente empatados; com 25 épocas, o
# modelo da aula decorou o treino e parou de melhorar na validação, e o VGG terminou à
# frente na validação e no teste. Com o CIFAR-10 completo (50.000 imagens) isso ainda não foi
# medido: rode a aula com o modo rápido desligado e `EPOCHS` maior para ver na sua máquina.
#
# ## O que a rede aprendeu
#
# Os pesos da primeira convolução do VGG são filtros 3×3 com três canais de cor: cada um pode
# ser desenhado como uma imagenzinha colorida de 3×3 pixels. Montamos de novo o modelo com a
# mesma semente para ter os pesos de **antes** do treino e os comparamos com os de depois
# (cada filtro esticado do seu menor ao seu maior valor):

# %%
def first_kernel(model):
    """Pesos da primeira Conv2D do modelo, um filtro por linha: (filtros, 3, 3, canais)."""
    conv = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    return np.moveaxis(keras.ops.convert_to_numpy(conv.kernel), -1, 0)


def as_images(kernel):
    """Cada filtro esticado do seu menor ao seu maior valor, para ser desenhado em [0, 1]."""
    low = kernel.min(axis=(1, 2, 3), keepdims=True)
    high = kernel.max(axis=(1, 2, 3), keepdims=True)
    return (kernel - low) / (high - low)


config.set_seed(SEED)
untrained_vgg = build_vgg_style(filters=vgg_filters, batch_norm=False, dropout=0.0)
before, after = first_kernel(untrained_vgg), first_kernel(vgg_model)
n_filters = min(16, len(after))
show_images(as_images(np.concatenate([before[:n_filters], after[:n_filters]])),
            ncols=n_filters, figsize=(0.8 * n_filters, 2.4),
            suptitle=f"{n_filters} filtros da 1ª convolução: antes do treino (em cima) e "
                     "depois (embaixo)");
print(f"o treino mudou cada peso, em média, {fmt.num(np.abs(after - before).mean(), 3)}; "
      f"o tamanho médio de um peso no início era {fmt.num(np.abs(before).mean(), 3)}")

# %% [markdown]
# Antes do treino os filtros são ruído sorteado pela inicialização. O treino os muda aos
# poucos (a linha impressa compara o tamanho da mudança com o dos pesos): com poucas épocas,
# como no modo rápido, as duas linhas da figura ficam quase iguais; com treino suficiente,
# muitos filtros ganham estrutura, como um lado claro e outro escuro (uma borda) ou um tom
# dominante (uma cor).
#
# E o que esses filtros fazem com uma imagem? Abaixo, os mapas de características (*feature
# maps*) de uma imagem da validação na saída de cada bloco do VGG, depois da ReLU: a imagem
# vai perdendo resolução (32, 16, 8 pixels de lado) e cada mapa passa a responder a padrões
# maiores.

# %%
image_index = int(np.flatnonzero(y_val == CIFAR10_CLASSES.index("gato"))[0])
feature_image = x_val[image_index].astype("float32") / 255
show_images(feature_image, titles=[CIFAR10_CLASSES[y_val[image_index]]], figsize=(2, 2.2));
relu_layers = [layer for layer in vgg_model.layers if isinstance(layer, keras.layers.Activation)]
for layer in relu_layers[1::2]:  # a segunda convolução de cada bloco, depois da ReLU
    show_feature_maps(vgg_model, layer, feature_image, max_maps=8)

# %% [markdown]
# ## A nota final: o teste
#
# Só agora, com os modelos prontos, usamos o teste, uma única vez:

# %%
for name, model in (("aula", lecture_model), ("VGG", vgg_model)):
    test_loss, test_acc = model.evaluate(test_ds, verbose=0)
    print(f"{name:>4}: acurácia no teste {fmt.pct(test_acc, 2)} (perda {fmt.num(test_loss, 3)})")

# %% [markdown]
# Compare com a validação. Com imagens suficientes, os dois números ficam próximos: a
# validação bem separada é uma amostra do mesmo tipo de imagem que o teste. Uma diferença
# grande indicaria uma validação pequena demais ou escolhas demais feitas olhando para ela.
#
# ## O que você aprendeu
#
# - O CIFAR-10 são fotos 32×32 coloridas de dez classes equilibradas; olhe as imagens e os
#   formatos antes de treinar.
# - Estatísticas de normalização (média e desvio por canal, `axis=(0, 1, 2)`) se calculam só
#   no treino e se aplicam a tudo; escalar para $[0, 1]$ é a alternativa simples.
# - A validação sai do treino, estratificada e com semente; usar o teste como validação,
#   como o relatório, deixa a acurácia final otimista.
# - Um *pipeline* `tf.data`: converter → `cache` → `shuffle` (só no treino, *buffer* do
#   tamanho dos dados) → `batch` → `prefetch`; com ele, `fit(..., shuffle=False)`.
# - Um *callback* mede o tempo por passo; a matriz de confusão, a acurácia por classe
#   ($\text{diag}(C)_k / \sum_j C_{kj}$) e os pares mais confundidos mostram onde a rede erra.
# - Duas 3×3 têm o campo receptivo de uma 5×5 com menos parâmetros; *max pooling* depois de
#   convoluções de passo 1 e *global average pooling* no fim trocam uma densa enorme por
#   convoluções compartilhadas: menos parâmetros, mais contas e, com treino suficiente,
#   melhor acurácia.
# - Os filtros da primeira convolução são imagenzinhas 3×3 que o treino tira do ruído
#   inicial; os mapas de características de uma imagem perdem resolução a cada bloco, e cada
#   valor passa a olhar um pedaço maior da imagem.
#
# ## De onde vem e o que ler a seguir
#
# Esta aula segue a prática com o CIFAR-10 do relatório do bootcamp LAMIA (as aulas 36 e 37
# do bootcamp): o mesmo modelo, as mesmas cinco épocas, as curvas, a matriz de confusão e as
# imagens classificadas errado, aqui com a validação separada do teste e os nomes das
# classes. A receita VGG vem da tabela da VGG16 dos slides do IFCE. Os termos técnicos seguem
# o [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# A seguir, o relatório passa ao **aumento de dados** (*data augmentation*), o assunto da
# aula "09 · Aumento de dados": girar, espelhar e deslocar as imagens do treino para a rede
# generalizar melhor. A aula "10 · Normalização em lote e *dropout*" acrescenta as duas
# técnicas ao modelo VGG, mede o efeito de cada uma e monta o melhor modelo do curso para o
# CIFAR-10.
#
# ### Fontes
#
# - Jefferson Korte Junior. *Relatório — Card 16: Prática: Redes Neurais Convolucionais 2
#   (Deep Learning)*. Bootcamp LAMIA.
# - Saulo Oliveira. *08 — Redes Convolucionais*, Aprendizagem Profunda, PPGCC/IFCE, 2023.1
#   (slides).
# - Alex Krizhevsky. *Learning Multiple Layers of Features from Tiny Images*, 2009 (o
#   CIFAR-10).
# - Karen Simonyan e Andrew Zisserman. *Very Deep Convolutional Networks for Large-Scale
#   Image Recognition*, 2014 (a VGG).
